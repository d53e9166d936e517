/** The county outlines of the product's own reference data (fixtures/luoyang-counties.geojson,
 * read by server/db/reference.ts as the service loads it), for placing generated land: which
 * county, if any, holds the whole of a lon/lat box. Planar in lon/lat, as PostGIS's ST_Within on
 * EPSG:4490 is, so a box this says lies in a county is ST_Within that county's stored outline. */
import { DEFAULT_COUNTY_BOUNDARIES, readBoundaryFile } from '../../server/db/reference'

type Ring = [number, number][]

interface Outline {
  code: string
  name: string
  /** Polygons, each an outer ring then its holes. */
  polygons: Ring[][]
  bbox: [number, number, number, number]
}

/** Even-odd point in rings (one polygon: outer ring and holes). */
function inRings(rings: Ring[], x: number, y: number): boolean {
  let inside = false
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!
      const [xj, yj] = ring[j]!
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
    }
  }
  return inside
}

/** Whether the segment (ax, ay)–(bx, by) meets the closed box (Liang–Barsky clipping). */
function segmentMeetsBox(ax: number, ay: number, bx: number, by: number, w: number, s: number, e: number, n: number): boolean {
  if (Math.max(ax, bx) < w || Math.min(ax, bx) > e || Math.max(ay, by) < s || Math.min(ay, by) > n) return false
  const dx = bx - ax
  const dy = by - ay
  let t0 = 0
  let t1 = 1
  for (const [p, q] of [[-dx, ax - w], [dx, e - ax], [-dy, ay - s], [dy, n - ay]] as const) {
    if (p === 0) {
      if (q < 0) return false
    } else {
      const t = q / p
      if (p < 0) {
        if (t > t1) return false
        if (t > t0) t0 = t
      } else {
        if (t < t0) return false
        if (t < t1) t1 = t
      }
    }
  }
  return true
}

export class CountyOutlines {
  readonly outlines: Outline[]

  constructor(file: string = DEFAULT_COUNTY_BOUNDARIES) {
    this.outlines = readBoundaryFile(file).counties.map((c) => {
      const g = JSON.parse(c.geometry) as { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown }
      const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Ring[][]
      let w = Infinity
      let s = Infinity
      let e = -Infinity
      let n = -Infinity
      for (const p of polygons) {
        for (const [x, y] of p[0]!) {
          w = Math.min(w, x)
          e = Math.max(e, x)
          s = Math.min(s, y)
          n = Math.max(n, y)
        }
      }
      return { code: c.code, name: c.name, polygons, bbox: [w, s, e, n] }
    })
  }

  /** The extent of all outlines: [west, south, east, north]. */
  extent(): [number, number, number, number] {
    const b = this.outlines.map((o) => o.bbox)
    return [Math.min(...b.map((x) => x[0])), Math.min(...b.map((x) => x[1])), Math.max(...b.map((x) => x[2])), Math.max(...b.map((x) => x[3]))]
  }

  /** The county whose outline holds the whole box [w, e] × [s, n] (its corners inside one polygon
   * and no edge of that polygon meeting the box), or null when none does. */
  holding(w: number, s: number, e: number, n: number): Outline | null {
    for (const o of this.outlines) {
      const [bw, bs, be, bn] = o.bbox
      if (w < bw || e > be || s < bs || n > bn) continue
      for (const rings of o.polygons) {
        if (!inRings(rings, w, s) || !inRings(rings, e, s) || !inRings(rings, e, n) || !inRings(rings, w, n)) continue
        const crossed = rings.some((ring) => {
          for (let i = 1; i < ring.length; i++) {
            if (segmentMeetsBox(ring[i - 1]![0], ring[i - 1]![1], ring[i]![0], ring[i]![1], w, s, e, n)) return true
          }
          return false
        })
        if (!crossed) return o
      }
    }
    return null
  }
}
