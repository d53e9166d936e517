/** Geometry for the demo data: a local metric frame around a centre (so that rectangles are laid
 * out in metres and stored in EPSG:4490 lon/lat), GeoJSON builders, and the exact area of a
 * lon/lat box on the CGCS2000 ellipsoid (to state parcel areas without calling PostGIS). */

export type Position = [number, number]
export interface MultiPolygon {
  type: 'MultiPolygon'
  coordinates: Position[][][]
}

/** An axis-aligned rectangle in a frame's metres (x east, y north). */
export interface Rect {
  x0: number
  y0: number
  x1: number
  y1: number
}

// CGCS2000 ellipsoid (GB/T 18522 = GRS80 within 0.1 mm in b).
const A = 6378137
const F = 1 / 298.257222101
const E2 = F * (2 - F)
const E = Math.sqrt(E2)
const B2 = A * A * (1 - E2)
const RAD = Math.PI / 180

/** 1 mu = 10000/15 m² (DOMAIN.md "Units and coordinates"). */
export const M2_PER_MU = 10000 / 15

/** Coordinates are kept to 1e-9 degree (~0.1 mm): enough for the 1 mm sliver case, and short. */
export function roundDeg(v: number): number {
  return Math.round(v * 1e9) / 1e9
}

/** Metres per degree of latitude and longitude at a latitude, on the ellipsoid. */
export function metresPerDegree(lat: number): { lon: number; lat: number } {
  const s = Math.sin(lat * RAD)
  const w = 1 - E2 * s * s
  const n = A / Math.sqrt(w)
  const m = (A * (1 - E2)) / (w * Math.sqrt(w))
  return { lon: RAD * n * Math.cos(lat * RAD), lat: RAD * m }
}

/** A local frame: metres east/north of a centre mapped linearly to lon/lat. Rectangles in the frame
 * become lon/lat boxes, which keeps every parcel a true rectangle of the grid. */
export class Frame {
  readonly mLon: number
  readonly mLat: number
  constructor(readonly lon0: number, readonly lat0: number) {
    const m = metresPerDegree(lat0)
    this.mLon = m.lon
    this.mLat = m.lat
  }

  lon(x: number): number {
    return roundDeg(this.lon0 + x / this.mLon)
  }

  lat(y: number): number {
    return roundDeg(this.lat0 + y / this.mLat)
  }

  point(x: number, y: number): Position {
    return [this.lon(x), this.lat(y)]
  }

  /** Closed counter-clockwise ring of a rectangle (RFC 7946 exterior orientation). */
  rectRing(r: Rect): Position[] {
    const w = this.lon(r.x0)
    const e = this.lon(r.x1)
    const s = this.lat(r.y0)
    const n = this.lat(r.y1)
    return [[w, s], [e, s], [e, n], [w, n], [w, s]]
  }

  rect(r: Rect): MultiPolygon {
    return { type: 'MultiPolygon', coordinates: [[this.rectRing(r)]] }
  }

  /** Area of the rectangle as stored (after rounding), on the ellipsoid, m². */
  rectArea(r: Rect): number {
    return boxAreaM2(this.lon(r.x0), this.lat(r.y0), this.lon(r.x1), this.lat(r.y1))
  }
}

function authalicQ(latDeg: number): number {
  const s = Math.sin(latDeg * RAD)
  return s / (1 - E2 * s * s) + (1 / (2 * E)) * Math.log((1 + E * s) / (1 - E * s))
}

/** Area of the lon/lat box [w,e]×[s,n] on the CGCS2000 ellipsoid, m² (the box bounded by meridians
 * and parallels; PostGIS measures geodesic edges, which differ by well under 1e-6 at parcel size). */
export function boxAreaM2(w: number, s: number, e: number, n: number): number {
  return Math.abs((e - w) * RAD * (B2 / 2) * (authalicQ(n) - authalicQ(s)))
}

/** Clockwise ring of a rectangle, for a hole. */
export function holeRing(frame: Frame, r: Rect): Position[] {
  return frame.rectRing(r).reverse()
}

export function rectsOverlap(a: Rect, b: Rect, gap = 0): boolean {
  return a.x0 < b.x1 + gap && b.x0 < a.x1 + gap && a.y0 < b.y1 + gap && b.y0 < a.y1 + gap
}

export function inset(r: Rect, d: number): Rect {
  return { x0: r.x0 + d, y0: r.y0 + d, x1: r.x1 - d, y1: r.y1 - d }
}

export function rectWidth(r: Rect): number {
  return r.x1 - r.x0
}

export function rectHeight(r: Rect): number {
  return r.y1 - r.y0
}
