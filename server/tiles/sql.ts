/** The SQL of one tile, assembled once per (layer, attribute set, encoder) from the registry.
 *
 * Both encoders share one feature query, Martin-style: the rows whose geometry meets the tile
 * envelope grown by the buffer (`&&` in the table's own SRID, so its GiST index is used), projected
 * to Web Mercator and simplified by zoom, with the attributes of the caller's role. Only the last
 * step differs: ST_AsMVT on a PostGIS built with protobuf, else GeoJSON for geojson-vt + vt-pbf.
 *
 * Parameters: $1 z, $2 x, $3 y, $4 the caller's county scope (text[], null = the whole city),
 * $5 the simplification tolerance in metres. Below a layer's detailMinzoom its other attributes
 * are NULL (ST_AsMVT and json_strip_nulls leave them out) and the joins only they read are not
 * run: a gate on $1 the planner evaluates once per tile. Identifiers are escaped with pg-promise's as.name;
 * the expressions are the registry's own constants. */
import pgPromise from 'pg-promise'
import type { AttributeDef, LayerDef } from './layers'
import { OPTIONAL_RELATIONS } from './analysis-sources'
import { BUFFER, EXTENT, MARGIN } from './tile-math'

export type EncoderKind = 'postgis' | 'geojson'

const as = pgPromise.as

/** `schema.table` → "schema"."table". */
export function qualifiedName(name: string): string {
  return name.split('.').map((p) => as.name(p)).join('.')
}

export function joinsFor(layer: LayerDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>,
  rewrite?: (name: string, sql: string) => string): string[] {
  const wanted = new Set(layer.baseJoins ?? [])
  for (const a of attrs) for (const j of a.needs ?? []) wanted.add(j)
  const joins: string[] = []
  // Keep the registry's order: a later join may read an earlier one's alias (year reads contract).
  for (const [name, sql] of Object.entries(layer.joins ?? {})) {
    if (!wanted.has(name)) continue
    const rel = OPTIONAL_RELATIONS[name]
    if (rel && !available.has(rel)) continue
    joins.push(rewrite ? rewrite(name, sql) : sql)
  }
  return joins
}

/** The expression of an attribute, or a typed NULL when the relation it reads is missing. */
export function attributeSql(a: AttributeDef, available: ReadonlySet<string>): string {
  for (const j of a.needs ?? []) {
    const rel = OPTIONAL_RELATIONS[j]
    if (rel && !available.has(rel)) return a.type === 'Number' ? 'NULL::float8' : a.type === 'Boolean' ? 'NULL::boolean' : 'NULL::text'
  }
  return a.sql
}

/** The shared feature query (a CTE body). */
export function featureQuery(layer: LayerDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>): string {
  const envelope = `ST_Transform(ST_TileEnvelope($1, $2, $3, margin => ${MARGIN}), ${layer.srid})`
  const projected = layer.kind === 'point'
    ? `ST_Transform(ST_PointOnSurface(${layer.geom}), 3857)`
    : `ST_Simplify(ST_Transform(${layer.geom}, 3857), $5::float8, true)`
  const detail = layer.detailMinzoom
  const columns = [
    `${layer.featureId ?? 'NULL::bigint'} AS __id`,
    `${projected} AS __geom`,
    ...attrs.map((a) => {
      const sql = attributeSql(a, available)
      return `${detail === undefined || a.overview ? sql : `CASE WHEN $1::int >= ${detail} THEN ${sql} END`} AS ${as.name(a.name)}`
    }),
  ]
  // Joins read only by detail attributes: each wrapped so that below detailMinzoom it is a
  // subquery under a false one-time filter, never run.
  const overviewJoins = new Set([...(layer.baseJoins ?? []), ...attrs.filter((a) => a.overview).flatMap((a) => a.needs ?? [])])
  const gated = new Set(detail === undefined ? [] : Object.keys(layer.joins ?? {}).filter((j) => !overviewJoins.has(j)))
  const joins = joinsFor(layer, attrs, available, gated.size ? (name, sql) => (gated.has(name) ? gateJoin(sql, detail!) : sql) : undefined)
  const where = [
    `${layer.geom} && ${envelope}`,
    layer.where ?? 'true',
    layer.countyColumn ? `($4::text[] IS NULL OR ${layer.countyColumn} = ANY($4::text[]))` : '$4::text[] IS NOT DISTINCT FROM $4::text[]',
    // Every query takes the same five parameters, and PostgreSQL must be able to type each one, so
    // a layer without a county scope (or a point layer, not simplified) still names $4 and $5:
    // both conditions are always true and planned away.
    '$5::float8 >= 0',
  ]
  return `SELECT ${columns.join(',\n  ')}
FROM ${qualifiedName(layer.table)} AS ${as.name(layer.alias)}
  ${joins.join('\n  ')}
WHERE ${where.join('\n  AND ')}`
}

/** A registry join (`LEFT JOIN LATERAL (…) alias ON true`, then plain LEFT JOINs on that alias)
 * made to run only from zoom `from`: the lateral subquery gets a one-time filter on $1. */
export function gateJoin(sql: string, from: number): string {
  const m = /^LEFT JOIN LATERAL \(([\s\S]*)\) (\w+) ON true/.exec(sql)
  if (!m) throw new Error(`a tile join read only by detail attributes must be a LEFT JOIN LATERAL (…) alias ON true: ${sql.slice(0, 60)}…`)
  return `LEFT JOIN LATERAL (SELECT __d.* FROM (${m[1]}) __d WHERE $1::int >= ${from}) ${m[2]} ON true${sql.slice(m[0].length)}`
}

/** The whole tile query for an encoder: one bytea (postgis) or one JSON array of features (geojson). */
export function tileQuery(kind: EncoderKind, layer: LayerDef, attrs: readonly AttributeDef[], available: ReadonlySet<string>): string {
  const f = featureQuery(layer, attrs, available)
  const names = attrs.map((a) => as.name(a.name))
  if (kind === 'postgis') {
    const idArgs = layer.featureId ? `, '__geom', '__id'` : `, '__geom'`
    // No "WHERE __geom IS NOT NULL" around it: ST_AsMVT skips rows whose geometry ST_AsMVTGeom
    // clipped away, and that filter, pushed down into the scan, made PostgreSQL run ST_AsMVTGeom
    // twice a feature (filter and output): measured 6.47 → 3.95 ms a z14–16 tile (p50, paired),
    // the Martin-style reference of the tiles bench 3.90 ms.
    return `WITH f AS (${f})
SELECT ST_AsMVT(t, ${as.text(layer.id)}, ${EXTENT}${idArgs}) AS tile FROM (
  SELECT ST_AsMVTGeom(f.__geom, ST_TileEnvelope($1, $2, $3), ${EXTENT}, ${BUFFER}, true) AS __geom
    ${layer.featureId ? ', f.__id' : ''}${names.map((n) => `, f.${n}`).join('')}
  FROM f) t`
  }
  // Clipped a little wider than geojson-vt's own buffer, which then clips exactly as ST_AsMVTGeom.
  const clipBox = `ST_TileEnvelope($1, $2, $3, margin => ${(2 * BUFFER) / EXTENT})`
  const props = attrs.map((a) => `${as.text(a.name)}, c.${as.name(a.name)}`).join(', ')
  return `WITH f AS (${f}),
c AS (SELECT f.*, ST_ClipByBox2D(f.__geom, ${clipBox}) AS __clip FROM f)
SELECT coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'id', c.__id,
    'geometry', ST_AsGeoJSON(ST_Transform(c.__clip, 4326), 9)::json,
    'properties', json_strip_nulls(json_build_object(${props}))
  )), '[]'::json) AS features
FROM c
WHERE NOT ST_IsEmpty(c.__clip)`
}
