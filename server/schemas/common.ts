/** Request and answer pieces shared by the land resources (parcels, batches, contracts, enterprises, ledger):
 * paging, bounding boxes, text search, optimistic concurrency (ETag / If-Match), and the
 * validation errors that name the field, and the GeoJSON and paging members of the answers. */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import type { FastifyReply, FastifySchemaValidationError } from 'fastify'
import { HttpError } from '../errors'

export const LAND_MESSAGES = {
  preconditionRequired: '请带上卡片的版本号（If-Match 头）后再修改 / send If-Match with the version (ETag) of the card you edited',
  badIfMatch: (v: string) => `If-Match 头格式有误：${v} / If-Match must be the ETag of the card, e.g. "3", or * (got ${v})`,
  noCurrentVersion: 'If-Match: * 要求记录已存在，但尚无当前版本 / If-Match: * needs a current version, and there is none yet: send no If-Match to create it',
  versionConflict: (what: string, id: string, expected: number, current: number) =>
    `${what} ${id} 已被他人修改（您编辑的是第 ${expected} 版，当前为第 ${current} 版），请在最新内容上重新修改 / ${what} ${id} was changed by someone else (you edited version ${expected}, it is now ${current}): redo your edit on the current state`,
  retired: (code: string) => `宗地 ${code} 已注销，不能修改 / parcel ${code} is retired and can no longer be edited`,
  invalidField: (field: string, why: string) => `字段 "${field}" 有误：${why} / invalid field "${field}": ${why}`,
  emptyEdit: '没有要修改的字段 / the edit changes no field',
  cursorAndOffset: '不能同时使用 cursor 和 offset / use either cursor or offset, not both',
  badCursor: 'cursor 无效，请使用上一页返回的 next_cursor / invalid cursor: pass the next_cursor of the previous page',
  badBbox: 'bbox 应为 最小经度,最小纬度,最大经度,最大纬度（EPSG:4490）/ bbox must be minLon,minLat,maxLon,maxLat in EPSG:4490 with min < max',
  tooManyTokens: (n: number) => `检索词过多（最多 ${n} 个）/ at most ${n} search words`,
  sensitiveField: (field: string) => `当前角色无权查看或修改 "${field}" / your role may not see or change "${field}"`,
} as const

/** 404 for a record that is missing or outside the caller's counties (the two are answered
 * alike). The id appears once, so that two answers differ in nothing but the id. */
export const landNotFound = (what: LandThing, id: string) =>
  new HttpError(404, 'not_found', `未找到${THINGS[what][0]} ${id} / no such ${THINGS[what][1]}`)

const THINGS = {
  parcel: ['宗地', 'parcel'],
  batch: ['批次', 'approval batch'],
  contract: ['供地合同', 'supply contract'],
  enterprise: ['企业', 'enterprise'],
  developmentEvent: ['开发事件', 'development event'],
  ledgerEntry: ['台账记录', 'ledger entry'],
  figures: ['年度数据', 'yearly figures'],
} as const
export type LandThing = keyof typeof THINGS

/** 400 naming the field, in the same shape as the schema-validation errors of plugins/errors.ts. */
export const invalidField = (field: string, why: string) =>
  new HttpError(400, 'invalid_request', LAND_MESSAGES.invalidField(field, why), { field })

// ---------------------------------------------------------------- paging

export const MAX_LIMIT = 1000
/** numberMatched is counted only up to this many (beyond it the count is no longer cheap). */
export const COUNT_CAP = 10_000

export const PagingQuery = {
  limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100, description: 'page size, at most 1000' }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  cursor: Type.String({ minLength: 1, maxLength: 400, description: 'the next_cursor of the previous page (keyset paging: each row exactly once)' }),
}

export interface Page { limit: number; offset: number; after: string | null; countLimit: number }

/** The keyset position of a cursor (base64url of the last key of the previous page). */
export function pageOf(q: { limit?: number; offset?: number; cursor?: string }): Page {
  const limit = q.limit ?? 100
  const offset = q.offset ?? 0
  if (q.cursor !== undefined && offset > 0) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.cursorAndOffset, { field: 'cursor' })
  let after: string | null = null
  if (q.cursor !== undefined) {
    if (!/^[A-Za-z0-9_-]+$/.test(q.cursor)) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.badCursor, { field: 'cursor' })
    after = Buffer.from(q.cursor, 'base64url').toString('utf8')
    // decoded, the key must be text the database takes: no NUL or other control character
    if (!after || after.includes('\uFFFD') || /[\u0000-\u001f\u007f]/.test(after)) {
      throw new HttpError(400, 'invalid_request', LAND_MESSAGES.badCursor, { field: 'cursor' })
    }
  }
  // The count is the same on every page: only the first page (or an offset page) pays for it.
  return { limit, offset, after, countLimit: after === null ? COUNT_CAP + 1 : 0 }
}

// ---------------------------------------------------------------- filters

export const BboxQuery = Type.String({
  maxLength: 200,
  pattern: '^\\s*-?\\d+(\\.\\d+)?\\s*(,\\s*-?\\d+(\\.\\d+)?\\s*){3}$',
  description: 'minLon,minLat,maxLon,maxLat (EPSG:4490 ≈ WGS84)',
})

export interface Bbox { minx: number | null; miny: number | null; maxx: number | null; maxy: number | null }

export function bboxOf(raw: string | undefined): Bbox {
  if (raw === undefined) return { minx: null, miny: null, maxx: null, maxy: null }
  const [minx, miny, maxx, maxy] = raw.split(',').map(Number) as [number, number, number, number]
  if (!(minx < maxx && miny < maxy && minx >= -180 && maxx <= 180 && miny >= -90 && maxy <= 90)) {
    throw new HttpError(400, 'invalid_request', LAND_MESSAGES.badBbox, { field: 'bbox' })
  }
  return { minx, miny, maxx, maxy }
}

export const SearchText = Type.String({
  minLength: 1, maxLength: 200,
  description: '检索词，空格分隔，全部包含 / words separated by spaces, all must match (full-width and half-width forms are equal)',
})

const MAX_TOKENS = 8
/** Words of a search box; the database folds each (NFKC, case, white space) the same way as the text it matches. */
export function tokensOf(q: string | undefined): string[] | null {
  if (q === undefined) return null
  const tokens = q.split(/[\s\u3000,，、;；]+/).filter(Boolean)
  if (tokens.length > MAX_TOKENS) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.tooManyTokens(MAX_TOKENS), { field: 'q' })
  return tokens.length ? tokens : null
}

/** A repeatable query parameter (?county=410311&county=410324 or ?county=410311,410324) as a list, or null. */
export function listOf(values: readonly string[] | undefined): string[] | null {
  if (!values) return null
  const list = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)
  return list.length ? list : null
}

export const CountyCode = Type.String({ maxLength: 6, pattern: '^4103\\d\\d$', description: '区县代码 county code' })
export const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD, 1900–2100' })
/** The id of a stored record (bigserial): a positive whole number JavaScript holds exactly. */
export const RecordId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

/** The If-Match header of every edit: the ETag of the version edited ("3"), or * for any. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 64, description: 'the ETag of the version the edit was made on ("3"), or * for whatever is current (RFC 9110 §13.1.1)' })),
})

// ---------------------------------------------------------------- versions

export const etag = (version: number) => `"${version}"`

export function setEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', etag(version))
}

/** What If-Match asks for: the version an edit was made on, or '*' (RFC 9110 §13.1.1: true when
 * the record has any current version, so the edit applies to whatever is current). */
export type IfMatch = number | '*'

/** The version an edit was made on, from If-Match ("3", W/"3", 3 or *). Missing: 428 (RFC 6585). */
export function expectedVersion(ifMatch: string | string[] | undefined): IfMatch {
  if (ifMatch === undefined || ifMatch === '') throw new HttpError(428, 'precondition_required', LAND_MESSAGES.preconditionRequired)
  const raw = Array.isArray(ifMatch) ? ifMatch.join(',') : ifMatch
  if (raw.trim() === '*') return '*'
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw)
  if (!m) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.badIfMatch(raw), { field: 'if-match' })
  return Number(m[1])
}

/** The version an edit applies to once its record is locked: '*' takes the current one. */
export const versionFor = (ifMatch: IfMatch, current: number): number => (ifMatch === '*' ? current : ifMatch)

/** For a write that creates the record when it is missing (yearly figures, agreement periods):
 * the version expected, 0 for "none yet"; '*' on a missing record is 412 (RFC 9110 §13.1.1). */
export function versionOrNone(ifMatch: IfMatch | null, current: number | undefined): number {
  if (ifMatch === '*') {
    if (current === undefined) throw new HttpError(412, 'precondition_failed', LAND_MESSAGES.noCurrentVersion)
    return current
  }
  return ifMatch ?? 0
}

/** 409 with the current state, so that the client can redo its edit on it without another request. */
export function versionConflict(what: string, id: string, expected: number, current: { version: number; state: unknown }) {
  return new HttpError(409, 'version_conflict', LAND_MESSAGES.versionConflict(what, id, expected, current.version), {
    current_version: current.version, current: current.state,
  })
}

/** Ajv reports an unknown field with an empty instancePath and the name in params: move the name
 * into the path, so that the one error handler's message names the field (an unknown
 * field gets a 400 naming it). Used as the schemaErrorFormatter of the land routes. */
export function nameUnknownFields(errors: FastifySchemaValidationError[], dataVar: string): Error {
  for (const e of errors) {
    const extra = (e.params as { additionalProperty?: string } | undefined)?.additionalProperty
    if (e.keyword === 'additionalProperties' && extra) {
      e.instancePath = `${e.instancePath}/${extra}`
      e.message = `unknown field "${extra}": ${e.message}`
    }
  }
  const first = errors[0]
  return new Error(`${dataVar}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`)
}

// ---------------------------------------------------------------- dates

/** Dates that must not run backwards (DOMAIN.md life cycle: signed → agreed start → agreed
 * completion…). Checks the record as it will be after the edit, for the pairs the edit touches;
 * names the field the edit sent (the later one when it sent both). */
export function checkDateOrder(
  merged: Record<string, unknown>, sent: Record<string, unknown>,
  pairs: readonly (readonly [earlier: string, later: string])[],
): void {
  for (const [earlier, later] of pairs) {
    // a pair the edit does not touch is left alone, even when older data has it wrong
    if (!(earlier in sent) && !(later in sent)) continue
    const a = merged[earlier]
    const b = merged[later]
    if (typeof a === 'string' && typeof b === 'string' && b < a) {
      const field = later in sent || !(earlier in sent) ? later : earlier
      throw invalidField(field, `${later} (${b}) 早于 ${earlier} (${a}) / ${later} ${b} is before ${earlier} ${a}`)
    }
  }
}

// ---------------------------------------------------------------- geometry

// Coordinates are bounded only to refuse what is not a finite number (Infinity, 1e400): whether
// they are longitude/latitude in Luoyang is the edit's own check, which says so naming EPSG:4490.
const Coordinate = Type.Number({ minimum: -1e10, maximum: 1e10 })
const Position = Type.Array(Coordinate, { minItems: 2, maxItems: 3 })
const Ring = Type.Array(Position, { minItems: 4, maxItems: 1_000_000 })
/** A polygon in EPSG:4490 longitude/latitude (GeoJSON order), as a surveyor draws it on the map. */
export const AreaGeometry = Type.Union([
  Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Ring, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('MultiPolygon'), coordinates: Type.Array(Type.Array(Ring, { minItems: 1, maxItems: 10_000 }), { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }),
], { description: 'GeoJSON Polygon or MultiPolygon, EPSG:4490 (CGCS2000) longitude/latitude' })
export type AreaGeometry = Static<typeof AreaGeometry>

export const ErrorBody = Type.Object({
  statusCode: Type.Integer(), code: Type.String(), message: Type.String(), detail: Type.Optional(Type.Unknown()),
})

// ---- Response pieces. The answers are JSON text built by PostGIS and sent as they are; these
// schemas describe them for OpenAPI (/docs), and every answer the tests receive is checked
// against its route's schema (server/test/response-schemas.ts).

export const Nullable = <T extends TSchema>(t: T, options: { description?: string } = {}) => Type.Union([t, Type.Null()], options)
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 with time zone' })
export const Version = Type.Integer({ minimum: 1, description: '版本 / row version, the ETag an edit sends back in If-Match' })

/** A geometry as ST_AsGeoJSON writes it (EPSG:4490 longitude/latitude, its crs named). */
export const GeoJsonGeometry = Type.Object({
  type: Type.String(),
  coordinates: Type.Array(Type.Unknown()),
  crs: Type.Optional(Type.Object({ type: Type.String(), properties: Type.Object({ name: Type.String() }) })),
}, { description: 'GeoJSON geometry, EPSG:4490 (CGCS2000) longitude/latitude' })

/** A GeoJSON Feature whose id is the business key (parcel code, approval number). */
export const FeatureOf = <P extends TSchema>(properties: P, description?: string) => Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: GeoJsonGeometry,
  properties,
}, { additionalProperties: false, ...(description ? { description } : {}) })

/** The paging members of every search answer (the request's limit/offset/cursor). */
export const PageMembers = {
  numberMatched: Nullable(Type.Integer({ minimum: 0 }), {
    description: `符合条件的总数, counted up to ${COUNT_CAP} (null beyond, or not counted on a cursor page)`,
  }),
  numberReturned: Type.Integer({ minimum: 0 }),
  next_cursor: Nullable(Type.String(), { description: 'the cursor of the next page; null on the last page' }),
}

/** The response schema of an answer sent as JSON text built by PostGIS: OpenAPI shows its shape,
 * the handler sends the text as it is (Fastify serialises objects only, never strings). */
export const JsonText = <T extends TSchema>(schema: T) => Type.Unsafe<string>({ ...schema })

// ---- Answers that are not JSON

export const MEDIA = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
  mvt: 'application/vnd.mapbox-vector-tile',
  jpeg: 'image/jpeg',
  png: 'image/png',
  qml: 'text/xml',
} as const

/** The answer of a route that sends a file, a tile or an image, for the document: its media types
 * (a binary string each). Fastify sends the bytes as they are; nothing is serialised. */
export const FileAnswer = (mediaTypes: readonly string[], description: string) => ({
  description,
  content: Object.fromEntries(mediaTypes.map((m) => [m, { schema: { type: 'string', format: 'binary' } }])),
})
