/** The cluster overview: the 18 industrial clusters (产业集聚区) as a list; each zooms the map to
 * its boundary, and 全市 shows them all. */
import type { LngLatBoundsLike } from 'maplibre-gl'
import type { ClusterCollection } from './api'
import { escapeHtml, mu } from './format'

export function boundsOf(geometries: GeoJSON.Geometry[]): LngLatBoundsLike | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1] as number); n = Math.max(n, c[1] as number)
    } else if (Array.isArray(c)) c.forEach(visit)
  }
  for (const g of geometries) if ('coordinates' in g) visit(g.coordinates)
  return Number.isFinite(w) ? [[w, s], [e, n]] : null
}

export class ClusterOverview {
  constructor(private root: HTMLElement, private onPick: (code: string | null, bounds: LngLatBoundsLike) => void) {}

  render(fc: ClusterCollection): void {
    const all = boundsOf(fc.features.map((f) => f.geometry))
    this.root.innerHTML = `<button type="button" data-cluster="" class="all">全市（${fc.features.length} 个集聚区）</button>
      <ol class="clusters">${fc.features.map((f) => `<li><button type="button" data-cluster="${escapeHtml(f.properties.code)}">
        ${escapeHtml(f.properties.short_name)}<small>${escapeHtml(f.properties.county_name)} · ${mu(f.properties.area_mu)}</small></button></li>`).join('')}</ol>`
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('button[data-cluster]')) {
      b.onclick = () => {
        const code = b.dataset.cluster || null
        const f = fc.features.find((x) => x.properties.code === code)
        const bounds = f ? boundsOf([f.geometry]) : all
        if (bounds) this.onPick(code, bounds)
      }
    }
  }
}
