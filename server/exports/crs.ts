/** The CRS of an export: the CRSs the OGC API serves (server/ogc/crs.ts: CGCS2000 4490, WGS 84
 * 4326, the CGCS2000 3° Gauss-Krüger zones covering the city with the zone number before the
 * easting, 4525/4526, or without it, 4546/4547), written in the order GIS files use: x first
 * (longitude or easting), whatever the EPSG axis order. Coordinates are transformed by PostGIS
 * (ST_Transform) in the export's query, never here; this file only names the CRS for each format:
 * the ESRI WKT of a shapefile's .prj, the URN of a GeoJSON `crs` member. */
import { CRS_LIST, crsOf, type CrsDef } from '../ogc/crs'

export interface ExportCrs {
  srid: number
  /** 'geographic': lon/lat degrees; 'gk': Gauss-Krüger metres. */
  kind: 'geographic' | 'gk'
  /** Decimals written: 11 for degrees, 6 for metres (both ~1 µm). Finer than the OGC API's 0.1 mm
   * on purpose: a re-imported export must be `unchanged`, and the intake's same_shape
   * (sql/migrations/831) wants the ellipsoidal area within 0.01 m², which 0.1 mm rounding of
   * every vertex of a 200 m parcel already exceeds (~0.04 m²). */
  precision: number
  /** 'EPSG:4547' */
  code: string
  /** the CrsDef of server/ogc/crs.ts, its axis order set to x first */
  def: CrsDef
}

/** Gauss-Krüger 3° zones of CGCS2000: EPSG code → [central meridian, false easting]. */
const GK: Record<number, [number, number]> = {
  4546: [111, 500_000], 4547: [114, 500_000], 4525: [111, 37_500_000], 4526: [114, 38_500_000],
}

export const DEFAULT_EXPORT_CRS = 'EPSG:4490'

/** The export CRS named by `value` (any form crsOf takes; default EPSG:4490), or undefined. */
export function exportCrsOf(value: string | undefined): ExportCrs | undefined {
  const def = crsOf(value ?? DEFAULT_EXPORT_CRS)
  if (!def) return undefined
  const kind = GK[def.srid] ? 'gk' as const : 'geographic' as const
  return { srid: def.srid, kind, precision: kind === 'gk' ? 6 : 11, code: `EPSG:${def.srid}`, def: { ...def, order: 'lonlat' } }
}

/** Every CRS an export takes, as EPSG codes (the OpenAPI description and the README). */
export const EXPORT_CRS_CODES = [...new Set(CRS_LIST.map((c) => `EPSG:${c.srid}`))]

const CGCS2000_GEOGCS = 'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
const WGS84_GEOGCS = 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'

/** The ESRI WKT of a shapefile's .prj, as `gdalsrsinfo -o wkt_esri EPSG:n` (GDAL 3.6) writes it;
 * ArcGIS reads the zone from its PROJCS name, GDAL and QGIS match it to the EPSG code. */
export function esriWkt(crs: ExportCrs): string {
  if (crs.srid === 4326) return WGS84_GEOGCS
  if (crs.kind === 'geographic') return CGCS2000_GEOGCS
  const [cm, fe] = GK[crs.srid]!
  const name = fe === 500_000 ? `CGCS2000_3_Degree_GK_CM_${cm}E` : `CGCS2000_3_Degree_GK_Zone_${Math.floor(fe / 1_000_000)}`
  return `PROJCS["${name}",${CGCS2000_GEOGCS},PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",${fe.toFixed(1)}],`
    + `PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",${cm.toFixed(1)}],PARAMETER["Scale_Factor",1.0],`
    + 'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
}

/** The OGC URN of the CRS, for a GeoJSON `crs` member (GDAL reads it, coordinates x first). */
export const crsUrn = (crs: ExportCrs) => `urn:ogc:def:crs:EPSG::${crs.srid}`

/** What the files call the CRS in words: 2000国家大地坐标系 … */
export function crsName(crs: ExportCrs): string {
  if (crs.srid === 4326) return 'WGS 84 经纬度（EPSG:4326）'
  if (crs.kind === 'geographic') return '2000国家大地坐标系 经纬度（EPSG:4490）'
  const [cm, fe] = GK[crs.srid]!
  return `2000国家大地坐标系 高斯-克吕格 3度带 中央经线${cm}°E${fe === 500_000 ? '（不带带号）' : `（带号 ${Math.floor(fe / 1_000_000)}）`}（${crs.code}）`
}
