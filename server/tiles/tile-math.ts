/** Web-Mercator tile arithmetic (the XYZ scheme of ST_TileEnvelope and MapLibre), for validating
 * tile addresses and for finding the cached tiles a changed bbox falls in. EPSG:4490 lon/lat is
 * taken as WGS84 here: the two differ by centimetres (DOMAIN.md "Units and coordinates"), far
 * below a tile's buffer. */

/** Tile extent in MVT units, and the buffer around it, as Martin and PostGIS use by default. */
export const EXTENT = 4096
export const BUFFER = 64
/** The && filter and the invalidation both look this far past the tile edge, as a fraction of a
 * tile: the MVT buffer plus two units for simplification moving a vertex. */
export const MARGIN = (BUFFER + 2) / EXTENT
/** Circumference of the Web-Mercator sphere, metres. */
export const MERCATOR_WORLD = 2 * Math.PI * 6378137
/** Latitude limit of Web Mercator. */
const MAX_LAT = 85.0511287798066

export type BBox = [minLon: number, minLat: number, maxLon: number, maxLat: number]

export interface TileAddress {
  z: number
  x: number
  y: number
}

export function isValidTile({ z, x, y }: TileAddress): boolean {
  if (!Number.isInteger(z) || !Number.isInteger(x) || !Number.isInteger(y)) return false
  if (z < 0 || z > 24) return false
  const n = 2 ** z
  return x >= 0 && x < n && y >= 0 && y < n
}

/** Fractional tile column of a longitude at zoom z. */
export function lonToTileX(lon: number, z: number): number {
  return ((lon + 180) / 360) * 2 ** z
}

/** Fractional tile row of a latitude at zoom z (row 0 at the north edge). */
export function latToTileY(lat: number, z: number): number {
  const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat))
  const r = (clamped * Math.PI) / 180
  return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z
}

/** The lon/lat bounds of a tile. */
export function tileBounds({ z, x, y }: TileAddress): BBox {
  const n = 2 ** z
  const lon = (c: number) => (c / n) * 360 - 180
  const lat = (r: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * r) / n))) * 180) / Math.PI
  return [lon(x), lat(y + 1), lon(x + 1), lat(y)]
}

/** Inclusive ranges of the columns and rows at zoom z whose tiles, grown by `margin` (a fraction
 * of a tile), meet the bbox. */
export function tileRange(bbox: BBox, z: number, margin = MARGIN): { x0: number; x1: number; y0: number; y1: number } {
  const last = 2 ** z - 1
  const clamp = (v: number) => Math.max(0, Math.min(last, v))
  return {
    x0: clamp(Math.floor(lonToTileX(bbox[0], z) - margin)),
    x1: clamp(Math.floor(lonToTileX(bbox[2], z) + margin)),
    // rows grow southwards: the north edge gives the smallest row
    y0: clamp(Math.floor(latToTileY(bbox[3], z) - margin)),
    y1: clamp(Math.floor(latToTileY(bbox[1], z) + margin)),
  }
}

/** Size of one MVT unit at zoom z, in Web-Mercator metres: the simplification tolerance unit. */
export function unitMetres(z: number): number {
  return MERCATOR_WORLD / (EXTENT * 2 ** z)
}
