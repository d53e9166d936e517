/** A MapLibre style.json of the one map for outside clients (MapLibre apps, Maputnik, QGIS's
 * MapBox-GL style import): the same layers, classes, colours and Chinese labels as the web map,
 * built from the web map's own layer table (web-map/src/layers.ts) over this server's TileJSON.
 * Only the layers the caller may read are in it. No glyphs URL: MapLibre GL JS ≥ 5.11 draws text
 * with local fonts; clients that need glyph PBFs set their own. */
import type { LayerSpecification } from 'maplibre-gl'
import { LAYER_GROUPS } from '../../web-map/src/layers'
import { BACKGROUND } from '../../web-map/src/basemap'

/** A StyleSpecification (version 8) with what this one always has. */
export interface OneMapStyle {
  version: 8
  name: string
  metadata: Record<string, unknown>
  center: [number, number]
  zoom: number
  sources: Record<string, { type: 'vector'; url: string }>
  layers: LayerSpecification[]
}

export function mapStyle(base: string, readable: (layer: string) => boolean): OneMapStyle {
  const groups = LAYER_GROUPS.filter((g) => readable(g.id))
  const sources: Record<string, { type: 'vector'; url: string }> = Object.fromEntries(groups.map((g) => [g.id, { type: 'vector', url: `${base}/tiles/${g.id}.json` }]))
  const layers: LayerSpecification[] = [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }]
  const labels: LayerSpecification[] = []
  for (const g of groups) {
    for (const l of g.layers) {
      const layer = { ...l, source: g.id, 'source-layer': g.id } as LayerSpecification
      ;(l.type === 'symbol' ? labels : layers).push(layer)
    }
  }
  return {
    version: 8,
    name: '产业集聚区用地一张图',
    metadata: { 'onemap:legend': Object.fromEntries(groups.map((g) => [g.id, { title: g.title, items: g.legend }])) },
    center: [112.45, 34.62],
    zoom: 9,
    sources,
    // labels above every fill and line, as in the web map
    layers: [...layers, ...labels],
  }
}
