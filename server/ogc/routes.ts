/** OGC API – Features at /ogc (Part 1 Core + GeoJSON + OpenAPI 3.0, Part 2 CRS by reference), so
 * QGIS, ArcGIS Pro and GDAL read the one map's layers directly, with a personal access token
 * (server/personal-tokens.ts). The routes are public: what a caller sees is decided per collection
 * (collections.ts), and a collection it may not read is absent from /collections and 404 at its
 * items, exactly as an unknown one.
 *
 * What GDAL's OAPIF driver needs (3.6 here, ≥ 3.7 elsewhere): /collections as application/json,
 * items as application/geo+json with an integer `id` where there is one, an exact `numberMatched`,
 * `next` links typed application/geo+json carrying every parameter, the OpenAPI at /ogc/api with
 * the literal items path of each collection and its `limit` as a $ref'd parameter. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import type { Role } from '../config'
import { HttpError } from '../errors'
import { JsonText } from '../schemas/common'
import { publicBase } from '../public-url'
import { COLLECTIONS, fieldsOf, findCollection, mayReadCollection, type Asker, type CollectionDef } from './collections'
import { CRS84, CRS_URIS, STORAGE_CRS, crsOf, withinBounds, xyOf, type CrsDef } from './crs'
import { countQuery, extentQuery, pageQuery, queryablesOf, type ItemsRequest } from './sql'
import { CqlError, cqlToSql, parseCql2, positionsOf } from './cql2'
import { ogcOpenApi } from './openapi'
import { withQueryTimeout } from './timeout'
import {
  CollectionAnswer, CollectionsAnswer, ConformanceAnswer, FeatureAnswer, FeatureCollectionAnswer, ItemsQuery, LandingAnswer, OpenApiAnswer, QueryablesAnswer,
} from './schemas'

export const OGC_MESSAGES = {
  noCollection: (id: string) => `没有图层集合 ${id}（或无权查看）/ no collection ${id} (or not one you may read)`,
  noFeature: (c: string, id: string) => `图层集合 ${c} 中没有要素 ${id} / no feature ${id} in the collection ${c}`,
  badCrs: (name: string, value: string) =>
    `不支持的坐标参考系 ${name}=${value} / ${name} ${value} is not a CRS OneMap serves; use one of ${CRS_URIS.join(', ')}`,
  badBbox: (value: string) =>
    `bbox 应为 4 个（或 6 个）数值，最小值在前 / bbox "${value}" must be 4 (or 6) numbers, lower corner first, in the axis order of bbox-crs (CRS84: minLon,minLat,maxLon,maxLat)`,
  badCursor: 'cursor 无效，请使用上一页的 next 链接 / invalid cursor: follow the next link of the previous page',
  cursorAndOffset: '不能同时使用 cursor 和 offset / use either cursor or offset, not both',
} as const

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page',
  'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json',
  'http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections',
]

const JSON_TYPE = 'application/json'
const GEOJSON = 'application/geo+json'
const SCHEMA_JSON = 'application/schema+json'
export const OPENAPI_TYPE = 'application/vnd.oai.openapi+json;version=3.0'

/** Who is asking: the request's viewer (plugins/viewer.ts), its role and counties. */
function askerOf(request: FastifyRequest): Asker {
  return { role: request.viewer.role, scope: request.viewer.scope }
}

function parseBbox(value: string): [number, number, number, number] {
  const parts = value.split(',')
  const n = parts.map((s) => (/^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(s) ? Number(s) : NaN))
  if ((n.length !== 4 && n.length !== 6) || n.some((v) => !Number.isFinite(v))) throw new HttpError(400, 'invalid_bbox', OGC_MESSAGES.badBbox(value), { field: 'bbox' })
  const [a, b, c, d] = n.length === 4 ? n : [n[0]!, n[1]!, n[3]!, n[4]!]
  if (!(a! <= c! && b! <= d!)) throw new HttpError(400, 'invalid_bbox', OGC_MESSAGES.badBbox(value), { field: 'bbox' })
  return [a!, b!, c!, d!]
}

export function crsParam(name: string, value: string | undefined): CrsDef {
  if (value === undefined) return crsOf(CRS84)!
  const crs = crsOf(value)
  if (!crs) throw new HttpError(400, 'unsupported_crs', OGC_MESSAGES.badCrs(name, value), { field: name })
  return crs
}

const encodeCursor = (key: string) => Buffer.from(key, 'utf8').toString('base64url')
function decodeCursor(c: CollectionDef, cursor: string): string {
  const key = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : ''
  const ok = c.key.type === 'bigint' ? /^\d{1,18}$/.test(key) : key.length > 0 && key.length <= 200 && !/[\0\ud800-\udfff]/.test(key)
  if (!ok) throw new HttpError(400, 'invalid_cursor', OGC_MESSAGES.badCursor, { field: 'cursor' })
  return key
}

/** The request's parameters, checked before any SQL (the items here, and the exports:
 * server/exports/). */
export function itemsRequestOf(c: CollectionDef, asker: Asker, q: Pick<Static<typeof ItemsQuery>, 'bbox' | 'bbox-crs' | 'crs' | 'filter' | 'filter-crs' | 'limit' | 'offset' | 'cursor'>, sensitiveRoles: readonly Role[], available: ReadonlySet<string>): ItemsRequest {
  if (q.cursor !== undefined && q.offset !== undefined) throw new HttpError(400, 'invalid_request', OGC_MESSAGES.cursorAndOffset, { field: 'cursor' })
  const bboxCrs = crsParam('bbox-crs', q['bbox-crs'])
  let bbox: ItemsRequest['bbox'] = null
  if (q.bbox !== undefined) {
    const [a, b, x, y] = parseBbox(q.bbox)
    // Part 1: the axes of bbox-crs; stored x is easting or longitude
    bbox = { box: bboxCrs.order === 'lonlat' ? [a, b, x, y] : [b, a, y, x], crs: bboxCrs }
    if (!withinBounds(bboxCrs, [bbox.box[0], bbox.box[1]]) || !withinBounds(bboxCrs, [bbox.box[2], bbox.box[3]])) {
      throw new HttpError(400, 'invalid_bbox', OGC_MESSAGES.badBbox(q.bbox), { field: 'bbox' })
    }
  }
  let filter: ItemsRequest['filter'] = null
  if (q.filter !== undefined) {
    const crs = crsParam('filter-crs', q['filter-crs'])
    try {
      const tree = parseCql2(q.filter)
      for (const pos of positionsOf(tree)) {
        if (!withinBounds(crs, xyOf(crs, pos))) throw new CqlError(`坐标 ${pos.join(' ')} 不在 ${crs.uri} 的范围内`, `the position ${pos.join(' ')} is outside ${crs.uri} (filter-crs, in its axis order)`)
      }
      filter = { tree, crs, queryables: queryablesOf(c, fieldsOf(c, asker, sensitiveRoles), available) }
      // compiled once here, so that a name or a type that does not fit is a 400 before any SQL
      cqlToSql(tree, filter.queryables, () => '$0', (g) => g)
    } catch (e) {
      if (e instanceof CqlError) throw new HttpError(400, 'invalid_filter', e.message, { field: 'filter' })
      throw e
    }
  }
  return {
    scope: asker.scope, crs: crsParam('crs', q.crs), bbox,
    limit: q.limit ?? 100, offset: q.offset ?? 0,
    after: q.cursor !== undefined ? decodeCursor(c, q.cursor) : null,
    filter,
  }
}

/** The analysis engine's tables are optional (tiles/analysis-sources.ts): which of those the
 * collections require are present, probed once at start. */
export async function availableSources(db: { any: (q: string, v: unknown) => Promise<{ name: string }[]> }): Promise<ReadonlySet<string>> {
  const wanted = [...new Set(COLLECTIONS.flatMap((c) => (c.requires ? [c.requires] : [])).concat('analysis.parcel_status'))]
  const present = await db.any('SELECT n AS name FROM unnest($1::text[]) n WHERE to_regclass(n) IS NOT NULL', [wanted])
  return new Set(present.map((r) => r.name))
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const available = await availableSources(app.db)

  const base = (request: FastifyRequest) => `${publicBase(app, request)}/ogc`
  const visible = (asker: Asker) => COLLECTIONS.filter((c) => mayReadCollection(c, asker, available))
  function readable(request: FastifyRequest, id: string): { c: CollectionDef; asker: Asker } {
    const asker = askerOf(request)
    const c = findCollection(id)
    if (!c || !mayReadCollection(c, asker, available)) throw new HttpError(404, 'not_found', OGC_MESSAGES.noCollection(id))
    return { c, asker }
  }

  async function cityExtent(): Promise<number[] | null> {
    const b: (number | null)[] | null = await app.db.one(
      'SELECT ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)]::float8[] AS b FROM (SELECT ST_Extent(boundary) AS b FROM cluster) x',
      [], (r: { b: (number | null)[] | null }) => r.b)
    return b && b.every((v) => v !== null) ? (b as number[]) : null
  }

  function describe(c: CollectionDef, root: string, extent: number[] | null) {
    const href = `${root}/collections/${c.id}`
    return {
      id: c.id, title: c.title, description: c.description, itemType: 'feature' as const,
      ...(extent ? { extent: { spatial: { bbox: [extent], crs: CRS84 } } } : {}),
      crs: CRS_URIS, storageCrs: STORAGE_CRS,
      links: [
        { href, rel: 'self', type: JSON_TYPE, title: c.title },
        { href: `${href}/items`, rel: 'items', type: GEOJSON, title: c.title },
        // GDAL reads the plain rel and refuses application/schema+json: both forms
        { href: `${href}/queryables`, rel: 'queryables', type: JSON_TYPE, title: '可查询属性 / queryables' },
        { href: `${href}/queryables`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: SCHEMA_JSON, title: '可查询属性 / queryables' },
      ],
    }
  }

  app.get('/', {
    config: { access: 'public' },
    schema: { tags: ['ogc'], summary: 'OGC API – Features 入口 / landing page', response: { 200: LandingAnswer } },
  }, async (request) => {
    const root = base(request)
    return {
      title: '产业集聚区用地提质增效一张图 OneMap',
      description: 'OGC API – Features：集聚区、宗地、批次、合同、变化图斑、预警与分析结果 / clusters, parcels, batches, contracts, changes, alerts and analysis results',
      links: [
        { href: root, rel: 'self', type: JSON_TYPE, title: '本页 / this document' },
        { href: `${root}/api`, rel: 'service-desc', type: OPENAPI_TYPE, title: 'OpenAPI' },
        { href: `${publicBase(app, request)}/docs`, rel: 'service-doc', type: 'text/html', title: 'API 文档 / API documentation' },
        { href: `${root}/conformance`, rel: 'conformance', type: JSON_TYPE, title: '符合的标准 / conformance' },
        { href: `${root}/conformance`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance', type: JSON_TYPE },
        { href: `${root}/collections`, rel: 'data', type: JSON_TYPE, title: '图层集合 / collections' },
        { href: `${root}/collections`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/data', type: JSON_TYPE },
      ],
    }
  })

  app.get('/conformance', {
    config: { access: 'public' },
    schema: { tags: ['ogc'], summary: 'OGC API 符合类 / conformance classes', response: { 200: ConformanceAnswer } },
  }, async () => ({ conformsTo: CONFORMANCE }))

  app.get('/api', {
    config: { access: 'public' },
    schema: { tags: ['ogc'], summary: 'OGC API 的 OpenAPI 3.0 文档 / the OpenAPI 3.0 document of /ogc (the collections this caller may read)', response: { 200: JsonText(OpenApiAnswer) } },
  }, async (request, reply) => {
    // the OpenAPI media type when asked for it; else application/json, the only one GDAL takes
    // (written as is: GDAL compares the text, and reply.type would quote the version)
    reply.header('content-type', /application\/vnd\.oai\.openapi\+json/.test(request.headers.accept ?? '') ? `${OPENAPI_TYPE}; charset=utf-8` : `${JSON_TYPE}; charset=utf-8`)
    return reply.send(JSON.stringify(ogcOpenApi(base(request), visible(askerOf(request)))))
  })

  app.get('/collections', {
    config: { access: 'public' },
    schema: { tags: ['ogc'], summary: '图层集合（仅本角色可见的）/ the collections this caller may read', response: { 200: CollectionsAnswer } },
  }, async (request) => {
    const root = base(request)
    const extent = await cityExtent()
    return {
      links: [{ href: `${root}/collections`, rel: 'self', type: JSON_TYPE, title: '图层集合 / collections' }],
      crs: CRS_URIS,
      collections: visible(askerOf(request)).map((c) => describe(c, root, extent)),
    }
  })

  const CollectionParams = Type.Object({ collectionId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_]+$' }) })

  app.get('/collections/:collectionId', {
    config: { access: 'public' },
    schema: { tags: ['ogc'], summary: '一个图层集合 / one collection', params: CollectionParams, response: { 200: CollectionAnswer } },
  }, async (request) => {
    const { c, asker } = readable(request, request.params.collectionId)
    const q = extentQuery(c, available, asker.scope)
    const b: (number | null)[] | null = await app.db.one(q.text, q.values, (r: { b: (number | null)[] | null }) => r.b)
    return describe(c, base(request), b && b.every((v) => v !== null) ? (b as number[]) : await cityExtent())
  })

  app.get('/collections/:collectionId/queryables', {
    config: { access: 'public' },
    schema: { tags: ['ogc'], summary: '可查询属性（JSON Schema）/ the properties a filter may name, for this caller', params: CollectionParams, response: { 200: QueryablesAnswer } },
  }, async (request, reply) => {
    const { c, asker } = readable(request, request.params.collectionId)
    const attrs = fieldsOf(c, asker, app.config.sensitiveRoles)
    const href = `${base(request)}/collections/${c.id}/queryables`
    const type = (t: string) => (t === 'String' ? 'string' : t === 'Boolean' ? 'boolean' : 'number')
    // application/schema+json when asked for; else application/json (GDAL refuses any other type)
    reply.type(/application\/schema\+json/.test(request.headers.accept ?? '') ? SCHEMA_JSON : JSON_TYPE)
    return {
      $schema: 'https://json-schema.org/draft/2020-12/schema', $id: href, type: 'object' as const, title: c.title,
      properties: {
        geom: { title: '几何 / geometry', format: c.kind === 'point' ? 'geometry-point' : 'geometry-any', 'x-ogc-role': 'primary-geometry' },
        ...Object.fromEntries(attrs.map((a) => [a.name, { title: a.title, type: type(a.type) }])),
      },
      additionalProperties: false,
      queryables: [{ id: 'geom' }, ...attrs.map((a) => ({ id: a.name }))],
    }
  })

  const itemsRequest = (c: CollectionDef, asker: Asker, q: Static<typeof ItemsQuery>) => itemsRequestOf(c, asker, q, app.config.sensitiveRoles, available)

  app.get('/collections/:collectionId/items', {
    config: { access: 'public', reads: 'replica' },
    schema: {
      tags: ['ogc'], summary: '要素（GeoJSON，分页）/ the features of a collection (GeoJSON, paged by next links)',
      params: CollectionParams, querystring: ItemsQuery, response: { 200: JsonText(FeatureCollectionAnswer) },
    },
  }, async (request, reply) => {
    const { c, asker } = readable(request, request.params.collectionId)
    const r = itemsRequest(c, asker, request.query)
    const attrs = fieldsOf(c, asker, app.config.sensitiveRoles)
    const page = pageQuery(c, attrs, available, r)
    const count = countQuery(c, available, r)
    // a filter or a bbox runs under the query timeout (timeout.ts): too slow is a 503, not a 500
    const timeout = r.filter || r.bbox ? app.config.queryTimeoutMs : null
    const [rows, matched] = await request.db.tx('ogc-items', (t) => withQueryTimeout(t, timeout, () => Promise.all([
      t.one(page.text, page.values) as Promise<{ more: boolean; n: number; last: string | null; body: string }>,
      t.one(count.text, count.values, (x: { n: number }) => x.n) as Promise<number>,
    ])))
    const href = `${base(request)}/collections/${c.id}/items`
    // every parameter is carried by the links (GDAL follows them verbatim)
    const keep = new URLSearchParams()
    keep.set('limit', String(r.limit))
    if (request.query.bbox !== undefined) keep.set('bbox', request.query.bbox)
    if (request.query['bbox-crs'] !== undefined) keep.set('bbox-crs', r.bbox!.crs.uri)
    if (request.query.crs !== undefined) keep.set('crs', r.crs.uri)
    if (request.query.filter !== undefined) {
      keep.set('filter', request.query.filter)
      keep.set('filter-lang', request.query['filter-lang'] ?? 'cql2-text')
      if (request.query['filter-crs'] !== undefined) keep.set('filter-crs', r.filter!.crs.uri)
    }
    const link = (extra: Record<string, string>, rel: string) => {
      const qs = new URLSearchParams(keep)
      for (const [k, v] of Object.entries(extra)) qs.set(k, v)
      return { href: `${href}?${qs}`, rel, type: GEOJSON }
    }
    const self: Record<string, string> = request.query.cursor !== undefined ? { cursor: request.query.cursor } : request.query.offset !== undefined ? { offset: String(r.offset) } : {}
    const links = [link(self, 'self')]
    if (rows.more) {
      // keyset paging (each feature exactly once while others write), or offset paging for the
      // clients that page by offset themselves (ArcGIS Pro)
      links.push(request.query.offset !== undefined ? link({ offset: String(r.offset + r.limit) }, 'next') : link({ cursor: encodeCursor(rows.last!) }, 'next'))
    }
    if (request.query.offset !== undefined && r.offset > 0) links.push(link({ offset: String(Math.max(0, r.offset - r.limit)) }, 'prev'))
    links.push({ href: `${base(request)}/collections/${c.id}`, rel: 'collection', type: JSON_TYPE })
    reply.type(GEOJSON)
    reply.header('content-crs', `<${r.crs.uri}>`)
    reply.header('vary', 'Authorization')
    reply.header('cache-control', 'private, no-cache')
    const head = JSON.stringify({
      type: 'FeatureCollection', numberMatched: matched, numberReturned: rows.n, timeStamp: new Date().toISOString(), links,
    })
    return reply.send(`${head.slice(0, -1)},"features":[${rows.body}]}`)
  })

  app.get('/collections/:collectionId/items/:featureId', {
    config: { access: 'public', reads: 'replica' },
    schema: {
      tags: ['ogc'], summary: '一个要素 / one feature',
      params: Type.Object({ collectionId: CollectionParams.properties.collectionId, featureId: Type.String({ minLength: 1, maxLength: 200 }) }),
      querystring: Type.Pick(ItemsQuery, ['crs', 'f']),
      response: { 200: JsonText(FeatureAnswer) },
    },
  }, async (request, reply) => {
    const { c, asker } = readable(request, request.params.collectionId)
    const id = request.params.featureId
    const valid = c.key.type === 'bigint' ? /^\d{1,18}$/.test(id) : !/[\0\ud800-\udfff]/.test(id)
    if (!valid) throw new HttpError(404, 'not_found', OGC_MESSAGES.noFeature(c.id, id))
    const crs = crsParam('crs', request.query.crs)
    const attrs = fieldsOf(c, asker, app.config.sensitiveRoles)
    const q = pageQuery(c, attrs, available, { scope: asker.scope, crs, bbox: null, limit: 1, offset: 0, after: null, id })
    const row: { n: number; body: string } = await request.db.one(q.text, q.values)
    if (row.n === 0) throw new HttpError(404, 'not_found', OGC_MESSAGES.noFeature(c.id, id))
    const root = base(request)
    const links = [
      { href: `${root}/collections/${c.id}/items/${encodeURIComponent(id)}`, rel: 'self', type: GEOJSON },
      { href: `${root}/collections/${c.id}`, rel: 'collection', type: JSON_TYPE },
    ]
    reply.type(GEOJSON)
    reply.header('content-crs', `<${crs.uri}>`)
    reply.header('vary', 'Authorization')
    reply.header('cache-control', 'private, no-cache')
    return reply.send(`${row.body.slice(0, -1)},"links":${JSON.stringify(links)}}`)
  })
}
export default routes
