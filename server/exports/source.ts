/** What an export reads: the features of one OGC collection as the caller may see them (the
 * collection's SQL, county scope, field withholding and filters: server/ogc/sql.ts), in batches
 * by key (keyset), each geometry transformed by PostGIS into the export's CRS. The whole export
 * is read in one REPEATABLE READ transaction, so a file is one snapshot even while others write. */
import pgPromise from 'pg-promise'
import type { AttributeDef } from '../tiles'
import { attributeSql } from '../tiles/sql'
import { label, type CodeDomain } from '../labels/codes'
import type { CollectionDef } from '../ogc/collections'
import { Params, fromOf, whereOf, type ItemsRequest } from '../ogc/sql'
import type { ExportCrs } from './crs'

const as = pgPromise.as

/** A column of an export: an attribute of the collection, or the Chinese label of a coded one. */
export interface ExportColumn {
  /** The field's name in the file (GeoJSON, GeoPackage, KML, DXF; a shapefile shortens it). */
  name: string
  /** Its Chinese title (the CSV and XLSX header, the shapefile's field table, KML displayName). */
  title: string
  type: 'String' | 'Number' | 'Boolean'
  /** The attribute it reads. */
  source: string
  /** Set on the label column of a coded attribute. */
  domain?: CodeDomain
  sensitive: boolean
}

/** The computed area of a shape is not the area a survey states: named apart in the files, or an
 * intake would read `area_mu` / 面积（亩） as the stated area in 亩 (the upload field synonyms,
 * server/ingest/field-mapping.ts) and a re-imported export would not be `unchanged`. */
const RENAMED: Record<string, { name: string; title: string }> = {
  area_m2: { name: 'shape_m2', title: '图形面积（m²）' },
  area_mu: { name: 'shape_mu', title: '图形面积（亩）' },
}

/** The columns of an export: each visible attribute, and after a coded one its Chinese label
 * (`stage` 'producing', `stage_zh` 已投产): the code stays for a re-import, the label is for people. */
export function exportColumns(attrs: readonly AttributeDef[]): ExportColumn[] {
  return attrs.flatMap((a) => {
    const r = RENAMED[a.name]
    const col: ExportColumn = { name: r?.name ?? a.name, title: r?.title ?? a.title, type: a.type as ExportColumn['type'], source: a.name, sensitive: a.visibleTo === 'sensitive' }
    return a.values ? [col, { name: `${col.name}_zh`, title: `${col.title}（名称）`, type: 'String' as const, source: a.name, domain: a.values, sensitive: col.sensitive }] : [col]
  })
}

/** One feature as read: its key, its geometry (GeoJSON text, x first), and what each format needs. */
export interface ExportRow {
  key: string
  geometry: string | null
  /** A representative point inside the shape (ST_PointOnSurface), x first. */
  x: number | null
  y: number | null
  wkt: string | null
  wkb: Buffer | null
  /** The values in the order of the columns (labels filled in). */
  values: unknown[]
}

export interface Needs {
  /** Ring orientation: 'cw' outer rings clockwise (shapefile), 'ccw' counter-clockwise (RFC 7946). */
  orient?: 'cw' | 'ccw'
  point?: boolean
  wkt?: boolean
  /** WKB, polygons as MultiPolygon (GeoPackage: one geometry type per table). */
  wkb?: boolean
}

/** One batch of features after `after` (a key), ordered by key. */
export function batchQuery(c: CollectionDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>, r: ItemsRequest, crs: ExportCrs, needs: Needs, after: string | null, size: number): { text: string; values: unknown[] } {
  const p = new Params()
  const { where, reads } = whereOf(c, { ...r, after }, p, true)
  let g = c.kind === 'point' ? `ST_PointOnSurface(${c.geom})` : c.geom
  if (crs.srid !== c.srid) g = `ST_Transform(${g}, ${crs.srid})`
  if (c.kind === 'polygon' && needs.orient) g = `${needs.orient === 'cw' ? 'ST_ForcePolygonCW' : 'ST_ForcePolygonCCW'}(${g})`
  const cols = [`${c.key.sql}::text AS __key`, `ST_AsGeoJSON(__x.g, ${crs.precision}, 0) AS __g`]
  if (needs.point) cols.push(`ST_X(ST_PointOnSurface(__x.g)) AS __px`, `ST_Y(ST_PointOnSurface(__x.g)) AS __py`)
  if (needs.wkt) cols.push(`ST_AsText(__x.g, ${crs.precision}) AS __wkt`)
  if (needs.wkb) cols.push(`ST_AsBinary(${c.kind === 'polygon' ? 'ST_Multi(__x.g)' : '__x.g'}, 'NDR') AS __wkb`)
  for (const a of attrs) cols.push(`${attributeSql(a, available)} AS ${as.name(a.name)}`)
  const limit = p.add(size, 'int')
  const text = `SELECT ${cols.join(',\n  ')}
  ${fromOf(c, [...attrs, ...reads], available)}
  CROSS JOIN LATERAL (SELECT ${g} AS g) __x
  WHERE ${where.join('\n    AND ')}
  ORDER BY ${c.key.sql} LIMIT ${limit}`
  return { text, values: p.values }
}

type Raw = Record<string, unknown> & { __key: string; __g: string | null; __px?: number | null; __py?: number | null; __wkt?: string | null; __wkb?: Buffer | null }

/** A row as the writers take it: the values in column order, the coded ones labelled. */
export function rowOf(raw: Raw, columns: readonly ExportColumn[]): ExportRow {
  return {
    key: raw.__key, geometry: raw.__g, x: raw.__px ?? null, y: raw.__py ?? null, wkt: raw.__wkt ?? null, wkb: raw.__wkb ?? null,
    values: columns.map((col) => {
      const v = raw[col.source]
      if (col.domain) return v === null || v === undefined || v === '' ? null : label(col.domain, v)
      if (v === undefined || v === null) return null
      // numbers as numbers: int8 and numeric come from pg as text
      return col.type === 'Number' && typeof v === 'string' ? Number(v) : v
    }),
  }
}

export type { Raw as RawExportRow }
