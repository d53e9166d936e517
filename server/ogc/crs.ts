/** OGC API – Features Part 2 (CRS by reference): the coordinate reference systems OneMap serves,
 * their URIs, and their axis order. Coordinates are written in the axis order the CRS defines
 * (EPSG): CRS84 lon,lat (the default, RFC 7946's GeoJSON order); EPSG:4490 (CGCS2000, the storage
 * CRS, DOMAIN.md §Coordinates) and EPSG:4326 lat,lon; the CGCS2000 3° Gauss-Krüger zones that
 * cover the city northing,easting: 4546/4547 (central meridians 111°E/114°E, false easting
 * 500 000) and 4525/4526 (zones 37/38, the zone number before the easting). */

export interface CrsDef {
  uri: string
  srid: number
  /** 'lonlat': x,y as stored; 'latlon' / 'northeast': the axes swapped (ST_FlipCoordinates). */
  order: 'lonlat' | 'latlon' | 'northeast'
  /** Decimals written: 9 for degrees (~0.1 mm), 4 for metres (0.1 mm). */
  precision: number
  /** Where coordinates can lie, x (easting, longitude) first: a bbox or filter outside is refused
   * before PostGIS is asked to transform it. */
  bounds: [number, number, number, number]
}

const DEGREES: [number, number, number, number] = [-180, -90, 180, 90]
/** A Gauss-Krüger easting (with its false easting, and the zone number when prefixed) and northing. */
const gk = (falseEasting: number): [number, number, number, number] => [falseEasting - 500_000, 0, falseEasting + 500_000, 10_000_000]

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'
export const STORAGE_CRS = 'http://www.opengis.net/def/crs/EPSG/0/4490'
const epsg = (code: number) => `http://www.opengis.net/def/crs/EPSG/0/${code}`

export const CRS_LIST: readonly CrsDef[] = [
  // CGCS2000 and WGS 84 coordinates are the same numbers to the centimetre here (PostGIS transforms
  // 4490 → 4326 as a no-op): CRS84 is the stored numbers, labelled lon,lat
  { uri: CRS84, srid: 4326, order: 'lonlat', precision: 9, bounds: DEGREES },
  { uri: STORAGE_CRS, srid: 4490, order: 'latlon', precision: 9, bounds: DEGREES },
  { uri: epsg(4326), srid: 4326, order: 'latlon', precision: 9, bounds: DEGREES },
  { uri: epsg(4546), srid: 4546, order: 'northeast', precision: 4, bounds: gk(500_000) },
  { uri: epsg(4547), srid: 4547, order: 'northeast', precision: 4, bounds: gk(500_000) },
  { uri: epsg(4525), srid: 4525, order: 'northeast', precision: 4, bounds: gk(37_500_000) },
  { uri: epsg(4526), srid: 4526, order: 'northeast', precision: 4, bounds: gk(38_500_000) },
]

export const CRS_URIS = CRS_LIST.map((c) => c.uri)

/** A CRS named by its URI (http or https), or leniently as `EPSG:4547`, `[EPSG:4547]`,
 * `OGC:CRS84` or `CRS84`; undefined when it is none of ours. */
export function crsOf(value: string): CrsDef | undefined {
  const v = value.trim().replace(/^\[(.*)\]$/, '$1')
  const uri = v.replace(/^https:/i, 'http:')
  const exact = CRS_LIST.find((c) => c.uri === uri)
  if (exact) return exact
  if (/^(OGC:)?CRS84$/i.test(v)) return CRS_LIST[0]
  const m = /^EPSG:(?:0:)?(\d{4,5})$/i.exec(v)
  return m ? CRS_LIST.find((c) => c.uri === epsg(Number(m[1]))) : undefined
}

/** x,y (easting or longitude first) of a position written in the CRS's axis order. */
export const xyOf = (crs: CrsDef, pos: readonly number[]): [number, number] =>
  crs.order === 'lonlat' ? [pos[0]!, pos[1]!] : [pos[1]!, pos[0]!]

export function withinBounds(crs: CrsDef, [x, y]: [number, number]): boolean {
  const [x0, y0, x1, y1] = crs.bounds
  return x >= x0 && x <= x1 && y >= y0 && y <= y1
}
