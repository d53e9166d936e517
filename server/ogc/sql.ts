/** The SQL of the OGC API's items, assembled from the collection registry only: the expressions
 * are the registry's constants, identifiers are escaped with pg-promise's as.name, and every value
 * from a request (counties, bbox, cursor, feature id, limit, offset) is a `$n` parameter.
 *
 * PostgreSQL writes each page as GeoJSON text (ST_AsGeoJSON of the geometry in the asked CRS and
 * axis order, json_build_object of the properties) and Node sends it inside the FeatureCollection
 * without parsing it: a page costs little more than the SQL itself (scripts/bench). */
import pgPromise from 'pg-promise'
import type { AttributeDef } from '../tiles'
import { attributeSql, joinsFor, qualifiedName } from '../tiles/sql'
import type { CollectionDef } from './collections'
import type { CrsDef } from './crs'
import { cqlToSql, type CqlNode, type Queryable } from './cql2'

const as = pgPromise.as

export interface ItemsRequest {
  scope: string[] | null
  crs: CrsDef
  /** minx,miny,maxx,maxy in the storage axis order (x = easting or longitude) of `bboxCrs`. */
  bbox: { box: [number, number, number, number]; crs: CrsDef } | null
  limit: number
  offset: number
  /** The key of the last feature of the previous page (keyset paging). */
  after: string | null
  /** One feature by its key. */
  id?: string
  /** A CQL2 filter (parsed), its geometries in `crs`, over `queryables` (the caller's). */
  filter?: { tree: CqlNode; crs: CrsDef; queryables: ReadonlyMap<string, Queryable & { attribute?: AttributeDef }> } | null
}

/** What a filter may name for a caller: the fields it may see (by name, and by their Chinese
 * title where that is unambiguous), and `geom`. A field withheld from the caller is not
 * queryable either, or a filter would read it through the counts. */
export function queryablesOf(c: CollectionDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>): Map<string, Queryable & { attribute?: AttributeDef }> {
  const m = new Map<string, Queryable & { attribute?: AttributeDef }>()
  m.set('geom', { sql: c.geom, type: 'geometry' })
  const type = (a: AttributeDef) => (a.type === 'String' ? 'string' as const : a.type === 'Boolean' ? 'boolean' as const : 'number' as const)
  for (const a of attrs) m.set(a.name, { sql: attributeSql(a, available), type: type(a), attribute: a })
  const titles = new Map<string, number>()
  for (const a of attrs) titles.set(a.title, (titles.get(a.title) ?? 0) + 1)
  for (const a of attrs) if (titles.get(a.title) === 1 && !m.has(a.title)) m.set(a.title, m.get(a.name)!)
  return m
}

/** The geometry of a feature as GeoJSON text, in the CRS and axis order asked for. */
function geometrySql(c: CollectionDef, crs: CrsDef): string {
  let g = c.kind === 'point' ? `ST_PointOnSurface(${c.geom})` : c.geom
  if (crs.srid !== c.srid) g = `ST_Transform(${g}, ${crs.srid})`
  if (crs.order !== 'lonlat') g = `ST_FlipCoordinates(${g})`
  // the geometry form with options 0: no "crs" member inside each geometry
  return `ST_AsGeoJSON(${g}, ${crs.precision}, 0)`
}

export class Params {
  readonly values: unknown[] = []
  add(v: unknown, cast: string): string {
    this.values.push(v)
    return `$${this.values.length}::${cast}`
  }
}

/** The conditions, and the fields the filter reads (their joins are needed). */
export function whereOf(c: CollectionDef, r: ItemsRequest, p: Params, withCursor: boolean): { where: string[]; reads: AttributeDef[] } {
  const where = [c.where ?? 'true']
  const reads: AttributeDef[] = []
  if (c.countyColumn) {
    const scope = p.add(r.scope, 'text[]')
    where.push(`(${scope} IS NULL OR ${c.countyColumn} = ANY(${scope}))`)
  }
  if (r.bbox) {
    const [x0, y0, x1, y1] = r.bbox.box.map((v) => p.add(v, 'float8'))
    // the box goes to the storage CRS, never the column: the GiST index stays usable
    const env = `ST_Transform(ST_MakeEnvelope(${x0}, ${y0}, ${x1}, ${y1}, ${r.bbox.crs.srid}), ${c.srid})`
    where.push(`${c.geom} && ${env}`, `ST_Intersects(${c.geom}, ${env})`)
  }
  if (withCursor && r.after !== null) where.push(`${c.key.sql} > ${p.add(r.after, c.key.type)}`)
  if (r.id !== undefined) where.push(`${c.key.sql} = ${p.add(r.id, c.key.type)}`)
  if (r.filter) {
    const f = r.filter
    const toStorage = (placeholder: string) => {
      let g = `ST_SetSRID(ST_GeomFromGeoJSON(${placeholder}), ${f.crs.srid})`
      if (f.crs.order !== 'lonlat') g = `ST_FlipCoordinates(${g})`
      return f.crs.srid === c.srid ? g : `ST_Transform(${g}, ${c.srid})`
    }
    const { sql, used } = cqlToSql(f.tree, f.queryables, (v, cast) => p.add(v, cast), toStorage)
    where.push(sql)
    for (const name of used) {
      const a = f.queryables.get(name)?.attribute
      if (a) reads.push(a)
    }
  }
  return { where, reads }
}

export function fromOf(c: CollectionDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>): string {
  return `FROM ${qualifiedName(c.table)} AS ${as.name(c.alias)}
  ${joinsFor(c, attrs, available).join('\n  ')}`
}

/** One page: `more` (a feature follows the page), `n`, the `last` key, and `body`, the features
 * as GeoJSON text joined by commas. */
export function pageQuery(c: CollectionDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>, r: ItemsRequest): { text: string; values: unknown[] } {
  const p = new Params()
  const { where, reads } = whereOf(c, r, p, true)
  const limit = p.add(r.limit, 'int')
  const offset = p.add(r.offset, 'int')
  const props = attrs.map((a) => `${as.text(a.name)}, ${as.name(a.name)}`).join(', ')
  const text = `WITH f AS (
  SELECT ${c.key.sql} AS __key, ${geometrySql(c, r.crs)} AS __g${attrs.map((a) => `,\n    ${attributeSql(a, available)} AS ${as.name(a.name)}`).join('')}
  ${fromOf(c, [...attrs, ...reads], available)}
  WHERE ${where.join('\n    AND ')}
  ORDER BY 1 LIMIT ${limit} + 1 OFFSET ${offset}
), page AS (SELECT * FROM f ORDER BY __key LIMIT ${limit})
SELECT (SELECT count(*) FROM f) > ${limit} AS more, count(*)::int AS n, max(__key)::text AS last,
  coalesce(string_agg(json_build_object('type', 'Feature', 'id', __key, 'geometry', __g::json,
    'properties', json_build_object(${props}))::text, ',' ORDER BY __key), '') AS body
FROM page`
  return { text, values: p.values }
}

/** numberMatched: the features the same request selects on all pages. */
export function countQuery(c: CollectionDef, available: ReadonlySet<string>, r: ItemsRequest): { text: string; values: unknown[] } {
  const p = new Params()
  const { where, reads } = whereOf(c, { ...r, after: null }, p, false)
  return { text: `SELECT count(*)::int AS n ${fromOf(c, reads, available)} WHERE ${where.join(' AND ')}`, values: p.values }
}

/** The extent of what the caller may see of a collection, lon/lat. */
export function extentQuery(c: CollectionDef, available: ReadonlySet<string>, scope: string[] | null): { text: string; values: unknown[] } {
  const p = new Params()
  const { where } = whereOf(c, { scope, crs: undefined as never, bbox: null, limit: 0, offset: 0, after: null }, p, false)
  return {
    text: `SELECT ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)]::float8[] AS b FROM (
  SELECT ST_Extent(${c.geom}) AS b ${fromOf(c, [], available)} WHERE ${where.join(' AND ')}) x`,
    values: p.values,
  }
}
