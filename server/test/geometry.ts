/** Shapes and areas the tests build and check against, computed here independently of PostGIS
 * (and of the product's own area code): lon/lat boxes as WKT or GeoJSON, and two closed-form ways
 * to their area on the ellipsoid — a box bounded by meridians and parallels exactly, a shape laid
 * out in metres on EPSG:4546 through proj4 and an equal-area projection of GRS80. */
import proj4 from 'proj4'
import { ORIGIN, shapeRing, type Shape } from './scenario'

/** A lon/lat box: west, south, east, north. */
export type Box = [number, number, number, number]

/** The closed ring of a box, counter-clockwise from its south-west corner. */
export const boxRing = ([w, s, e, n]: readonly number[]): [number, number][] =>
  [[w!, s!], [e!, s!], [e!, n!], [w!, n!], [w!, s!]]

export const boxWkt = (box: readonly number[]) => `MULTIPOLYGON(((${boxRing(box).map(([x, y]) => `${x} ${y}`).join(',')})))`

export const boxPolygon = (box: readonly number[]): GeoJSON.MultiPolygon => ({ type: 'MultiPolygon', coordinates: [[boxRing(box)]] })

/** A square of `size` degrees with its south-west corner at (lon, lat). */
export const squareBox = (lon: number, lat: number, size = 0.001): Box => [lon, lat, lon + size, lat + size]

// ---- areas

// WGS84 (the CGCS2000 ellipsoid differs by 0.1 mm in the semi-minor axis).
const A = 6378137
const F = 1 / 298.257223563
const B = A * (1 - F)
const E2 = F * (2 - F)
const E = Math.sqrt(E2)
const rad = (d: number) => (d * Math.PI) / 180

/** Authalic integrand: the area between the equator and latitude φ over one radian of longitude is b²·f(φ). */
function f(phi: number): number {
  const s = Math.sin(phi)
  return s / (2 * (1 - E2 * s * s)) + Math.log((1 + E * s) / (1 - E * s)) / (4 * E)
}

/** Area in m² of the lon/lat box [w, s, e, n] on the ellipsoid, bounded by meridians and parallels.
 * PostGIS joins the corners by geodesics, which for a box of a few hundred metres moves the area by
 * less than 1e-8 of itself. */
export function boxAreaM2([w, s, e, n]: readonly number[]): number {
  return rad(e! - w!) * B * B * (f(rad(n!)) - f(rad(s!)))
}

const GK_111 = '+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
const LAEA = '+proj=laea +lat_0=34.6 +lon_0=112.5 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs'

/** Ellipsoidal area (m²) of a shape given in metres from ORIGIN on EPSG:4546: proj4 to a Lambert
 * equal-area projection of GRS80, then the shoelace formula (0.01 % agreement with PostGIS's
 * spheroidal area at these sizes). */
export function shapeAreaM2(shape: Shape): number {
  const p = shapeRing(shape).map(([x, y]) => proj4(GK_111, LAEA, [ORIGIN.x + x, ORIGIN.y + y]))
  let a = 0
  for (let i = 0; i < p.length; i++) {
    const [x0, y0] = p[i]!
    const [x1, y1] = p[(i + 1) % p.length]!
    a += x0! * y1! - x1! * y0!
  }
  return Math.abs(a) / 2
}

/** 1 mu = 10000/15 m². */
export const muOf = (m2: number) => (m2 * 15) / 10000
