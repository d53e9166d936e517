/**
 * Hex EWKB for the polygons of an upload, written in JS so that COPY can carry geometry as plain
 * text PostGIS reads without a parser function per row (ST_GeomFromGeoJSON costs about as much as
 * the rest of the load together). No WKB package is installed (no `wkx` in node_modules), and
 * Polygon/MultiPolygon is all an upload holds, so the writer is these few lines (OGC 06-103r4
 * §8.2 WKB, plus PostGIS's EWKB SRID flag 0x20000000).
 *
 * Rings are made acceptable to PostGIS's parser first, because one ring it refuses fails the
 * whole COPY: an unclosed ring is closed (shapefile writers sometimes drop the closing point)
 * and reported; a ring with fewer than 4 positions cannot be a ring and rejects the feature.
 */
import type { MultiPolygon, Polygon, Position } from 'geojson'

export interface PreparedPolygons {
  /** Hex EWKB MultiPolygon with the SRID, or null when nothing usable is left. */
  hex: string | null
  /** Rings that were closed by repeating their first point. */
  closedRings: number
  /** Rings with fewer than 4 positions (after closing): the feature cannot be used. */
  shortRings: number
}

const samePoint = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1]

export function toEwkbHex(geometry: Polygon | MultiPolygon, srid: number): PreparedPolygons {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
  let closedRings = 0
  let shortRings = 0
  let points = 0
  let ringCount = 0
  const fixed: Position[][][] = []
  for (const rings of polygons) {
    const out: Position[][] = []
    for (const ring of rings) {
      let r = ring
      if (r.length > 0 && !samePoint(r[0]!, r[r.length - 1]!)) {
        r = [...r, r[0]!]
        closedRings++
      }
      if (r.length < 4) {
        shortRings++
        continue
      }
      out.push(r)
      points += r.length
      ringCount++
    }
    if (out.length) fixed.push(out)
  }
  if (shortRings > 0 || fixed.length === 0) return { hex: null, closedRings, shortRings }

  // 1+4+4+4 header; per polygon 1+4+4; per ring 4; per point 16.
  const size = 13 + fixed.length * 9 + ringCount * 4 + points * 16
  const buf = Buffer.allocUnsafe(size)
  let o = 0
  buf.writeUInt8(1, o++) // little endian
  buf.writeUInt32LE(0x20000006, o) // MultiPolygon with SRID
  buf.writeUInt32LE(srid, o + 4)
  buf.writeUInt32LE(fixed.length, o + 8)
  o += 12
  for (const rings of fixed) {
    buf.writeUInt8(1, o++)
    buf.writeUInt32LE(3, o) // Polygon
    buf.writeUInt32LE(rings.length, o + 4)
    o += 8
    for (const ring of rings) {
      buf.writeUInt32LE(ring.length, o)
      o += 4
      for (const p of ring) {
        buf.writeDoubleLE(p[0]!, o)
        buf.writeDoubleLE(p[1]!, o + 8)
        o += 16
      }
    }
  }
  return { hex: buf.toString('hex'), closedRings, shortRings }
}
