/**
 * GeoPackage (OGC 12-128r18) read with Node's own SQLite (node:sqlite, Node ≥ 22.13; the project
 * needs Node 24): no native addon, no wasm download. Each feature table of gpkg_contents is a
 * layer (gpkg_geometry_columns names its geometry column and srs_id); text is UTF-8 by the
 * standard (§1.1.1.1.1), so no encoding is decided.
 *
 * Geometry: the GeoPackage binary header (§2.1.3.1.1: "GP", version, flags, srs_id, envelope)
 * before standard WKB, which wkx reads (Z and M dropped: parcels are 2D).
 *
 * CRS: gpkg_spatial_ref_sys maps srs_id to an EPSG code, taken as the file's declaration; the
 * "undefined" systems (srs_id 0 and -1, §1.1.2.1.2) and other organisations declare nothing, and
 * the coordinates decide as for a shapefile without .prj (crs-decide.ts).
 *
 * The file is opened read-only; SQLite never runs code from a database file (no extension is
 * loaded), and a truncated or damaged file is a 422 naming the file, not a 500.
 */
import { DatabaseSync } from 'node:sqlite'
import type { Geometry, MultiPolygon, Polygon } from 'geojson'
import wkx from 'wkx'
import { detectCrsFromFormat } from './crs'
import { ingestError, isIngestError } from './errors'
import { POLYGONAL, geometryNameZh } from './geometry-check'
import type { RawFeature, ReadLayer } from './layered'

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/** Envelope sizes by the flags' envelope indicator (bits 1–3). */
const ENVELOPE_BYTES = [0, 32, 48, 48, 64] as const

/** The geometry of one GeoPackage blob, Z/M dropped; null for an empty geometry. Throws on a damaged blob. */
export function decodeGpkgGeometry(blob: Uint8Array): Geometry | null {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
  if (b.length < 8 || b[0] !== 0x47 || b[1] !== 0x50) throw new Error('no GeoPackage geometry header ("GP")')
  const flags = b[3]!
  const envelope = ENVELOPE_BYTES[(flags >> 1) & 0x07]
  if (envelope === undefined) throw new Error(`bad envelope indicator ${(flags >> 1) & 0x07}`)
  if (flags & 0x20) throw new Error('extended GeoPackage geometry')
  const empty = (flags & 0x10) !== 0
  const wkb = b.subarray(8 + envelope)
  if (empty && wkb.length === 0) return null
  const g = wkx.Geometry.parse(wkb).toGeoJSON() as Geometry
  return drop3d(g)
}

function drop3d(g: Geometry): Geometry {
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map((p) => [p[0]!, p[1]!])) }
  if (g.type === 'MultiPolygon') return { type: 'MultiPolygon', coordinates: g.coordinates.map((pl) => pl.map((r) => r.map((p) => [p[0]!, p[1]!]))) }
  return g
}

interface FeatureTable {
  table_name: string
  column_name: string
  geometry_type_name: string
  srs_id: number
}

export async function readGpkg(path: string, file: string): Promise<ReadLayer[]> {
  let db: DatabaseSync
  try {
    db = new DatabaseSync(path, { readOnly: true })
  } catch (e) {
    throw ingestError('gpkg_invalid', { file, cause: (e as Error).message })
  }
  try {
    let tables: FeatureTable[]
    try {
      const appId = (db.prepare('PRAGMA application_id').get() as { application_id: number }).application_id
      tables = db.prepare(
        `SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id
           FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
          WHERE c.data_type = 'features' ORDER BY c.table_name`).all() as unknown as FeatureTable[]
      if (tables.length === 0 && appId !== 0x47504b47 && appId !== 0x47503130) throw new Error('not a GeoPackage (no feature table)')
    } catch (e) {
      if (isIngestError(e)) throw e
      throw ingestError('gpkg_invalid', { file, cause: (e as Error).message })
    }
    const layers: ReadLayer[] = []
    for (const t of tables) {
      try {
        layers.push(readTable(db, t, file))
      } catch (e) {
        if (isIngestError(e)) throw e
        throw ingestError('gpkg_invalid', { file, cause: `${t.table_name}: ${(e as Error).message}` })
      }
    }
    return layers
  } finally {
    db.close()
  }
}

function readTable(db: DatabaseSync, t: FeatureTable, file: string): ReadLayer {
  const columns = db.prepare(`PRAGMA table_info(${quote(t.table_name)})`).all() as { name: string; pk: number; type: string }[]
  // The integer primary key is the GeoPackage feature id (GDAL's fid), not an attribute.
  const pk = columns.filter((c) => c.pk > 0).length === 1 ? columns.find((c) => c.pk > 0)!.name : null
  const fieldNames = columns.map((c) => c.name).filter((n) => n !== t.column_name && n !== pk)
  const srs = db.prepare('SELECT organization, organization_coordsys_id AS code FROM gpkg_spatial_ref_sys WHERE srs_id = ?').get(t.srs_id) as
    { organization: string; code: number } | undefined
  const epsg = srs && /^epsg$/i.test(srs.organization) && srs.code > 0 ? srs.code : null
  const features: RawFeature[] = []
  const skipped: string[] = []
  let row = 0
  for (const r of db.prepare(`SELECT * FROM ${quote(t.table_name)}`).iterate() as Iterable<Record<string, unknown>>) {
    row++
    const blob = r[t.column_name]
    let geometry: Geometry | null = null
    if (blob instanceof Uint8Array) {
      try {
        geometry = decodeGpkgGeometry(blob)
      } catch (e) {
        throw ingestError('gpkg_geometry', { file, table: t.table_name, row, cause: (e as Error).message })
      }
    }
    if (geometry && !POLYGONAL.has(geometry.type)) {
      skipped.push(`表 ${t.table_name} 第 ${row} 行：${geometryNameZh(geometry.type)}，不是面 / row ${row}: a ${geometry.type}, not a polygon`)
      continue
    }
    const properties: Record<string, unknown> = {}
    for (const n of fieldNames) {
      const v = r[n]
      properties[n] = v instanceof Uint8Array ? null : typeof v === 'bigint' ? Number(v) : v
    }
    features.push({ geometry: geometry as Polygon | MultiPolygon | null, properties })
  }
  return {
    name: t.table_name,
    geometryType: t.geometry_type_name,
    features,
    fieldNames,
    encoding: null,
    skipped,
    declared: epsg === null ? undefined : () => detectCrsFromFormat(epsg, file,
      `${file} 的表 ${t.table_name} 声明坐标系（空间参考 ${t.srs_id}）为 `, `table ${t.table_name} of ${file} declares (srs_id ${t.srs_id}) `),
    notes: epsg === null ? [`GPKG 表 ${t.table_name} 的坐标系未定义（空间参考 ${t.srs_id}），按坐标推断或请指定 / the table's CRS is undefined (srs_id ${t.srs_id}): inferred from the coordinates, or state it`] : undefined,
  }
}
