/** Decodes an MVT tile with @mapbox/vector-tile, for the tests and the benchmark: each layer's
 * features with id, properties, type and rings in tile units. */
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'

export interface DecodedFeature {
  id: number | undefined
  type: 0 | 1 | 2 | 3
  properties: Record<string, number | string | boolean>
  rings: { x: number; y: number }[][]
}

export interface DecodedLayer {
  extent: number
  version: number
  features: DecodedFeature[]
}

export function decodeTile(body: Uint8Array): Record<string, DecodedLayer> {
  const out: Record<string, DecodedLayer> = {}
  if (body.length === 0) return out
  const vt = new VectorTile(new PbfReader(body))
  for (const [name, layer] of Object.entries(vt.layers)) {
    const features: DecodedFeature[] = []
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i)
      features.push({
        id: f.id, type: f.type, properties: { ...f.properties },
        rings: f.loadGeometry().map((r) => r.map((p) => ({ x: p.x, y: p.y }))),
      })
    }
    out[name] = { extent: layer.extent, version: layer.version, features }
  }
  return out
}

/** Sum of the rings' signed areas (shoelace), tile units²: outer rings and holes of an MVT
 * polygon have opposite windings, so this is the polygon's area (sign aside). */
export function ringArea(rings: { x: number; y: number }[][]): number {
  let sum = 0
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) sum += (r[j]!.x - r[i]!.x) * (r[j]!.y + r[i]!.y)
  }
  return sum / 2
}

export function ringBBox(rings: { x: number; y: number }[][]): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const r of rings) for (const p of r) {
    x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y); x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y)
  }
  return [x0, y0, x1, y1]
}
