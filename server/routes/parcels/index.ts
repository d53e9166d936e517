/** Parcels (宗地): search, the card (一宗一卡), the file (一地一档), edits with optimistic concurrency,
 * retirement, development events. Every route requires a login; the county scope and the
 * sensitive-value rule are applied in SQL by the repository. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import {
  bboxOf, expectedVersion, FileAnswer, IfMatchHeaders, JsonText, LAND_MESSAGES, landNotFound, listOf, MEDIA, nameUnknownFields, pageOf, RecordId, setEtag, tokensOf,
} from '../../schemas/common'
import {
  DevelopmentEvent, DevelopmentEventCreate, DevelopmentEventPatch, ParcelCard, ParcelCode, ParcelFile, ParcelPage, ParcelPatch,
  ParcelSearchQuery, RetireBody,
} from '../../schemas/parcel'
import { EDITORS, RECORDERS } from '../../common/roles'
import { listWorkbook, parcelWorkbook } from './export'

const IfMatch = IfMatchHeaders
const GEOJSON = 'application/geo+json'
const XLSX = MEDIA.xlsx
const attachment = (name: string) => `attachment; filename="parcels.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`

/** What a sensitive role's export holds beyond the others' (the audit trail names them). */
const SENSITIVE_FIELDS = ['price_wan', 'tax_paid_wan', 'output_wan']

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSchemaErrorFormatter(nameUnknownFields)

  app.get('/', {
    config: { access: ROLES, reads: 'replica' },
    schema: {
      tags: ['parcels'],
      summary: '宗地检索 / search parcels (GeoJSON FeatureCollection, keyset paging by next_cursor)',
      querystring: ParcelSearchQuery, response: { 200: JsonText(ParcelPage) },
    },
  }, async (request, reply) => {
    const q = request.query
    const collection = await request.db.parcels.search({
      county: listOf(q.county), cluster: listOf(q.cluster), status: q.status?.length ? [...q.status] : null, kind: q.kind?.length ? [...q.kind] : null,
      tokens: tokensOf(q.q), bbox: bboxOf(q.bbox), includeRetired: q.include_retired ?? false, page: pageOf(q),
    }, request.viewer)
    return reply.type(GEOJSON).send(collection)
  })

  app.get('/export.xlsx', {
    config: { access: ROLES, audit: 'export' },
    schema: {
      tags: ['parcels'],
      summary: '导出宗地一览及档案 / the cards and files of a filtered list as a printable XLSX (the search filters; one page of at most 1000)',
      querystring: ParcelSearchQuery, response: { 200: FileAnswer([MEDIA.xlsx], '宗地一览.xlsx') },
    },
  }, async (request, reply) => {
    const q = request.query
    const viewer = request.viewer
    const { workbook, rows } = await app.db.task('parcel-export', async (t) => {
      const page = JSON.parse(await t.parcels.search({
        county: listOf(q.county), cluster: listOf(q.cluster), status: q.status?.length ? [...q.status] : null, kind: q.kind?.length ? [...q.kind] : null,
        tokens: tokensOf(q.q), bbox: bboxOf(q.bbox), includeRetired: q.include_retired ?? false, page: pageOf(q),
      }, viewer))
      const cards = []
      const files = []
      for (const f of page.features as { id: string }[]) {
        const card = await t.parcels.cardText(f.id, viewer)
        const file = await t.parcels.history(f.id, viewer)
        if (!card || !file) continue
        cards.push(JSON.parse(card.json))
        files.push({ code: f.id, events: JSON.parse(file).events })
      }
      return { workbook: await listWorkbook(cards, files, `宗地一览（${cards.length} 宗）`), rows: cards.length }
    })
    request.auditDetail = { file: '宗地一览.xlsx', rows, sensitive_fields: viewer.sensitive ? SENSITIVE_FIELDS : [] }
    return reply.type(XLSX).header('content-disposition', attachment('宗地一览.xlsx')).send(workbook)
  })

  app.get('/:code/export.xlsx', {
    config: { access: ROLES, audit: 'export' },
    schema: {
      tags: ['parcels'], summary: '导出一宗一卡、一地一档 / the card and the file of one parcel as a printable XLSX', params: ParcelCode,
      response: { 200: FileAnswer([MEDIA.xlsx], '宗地{code}.xlsx') },
    },
  }, async (request, reply) => {
    const viewer = request.viewer
    const { code } = request.params
    const [card, file] = await Promise.all([app.db.parcels.cardText(code, viewer), app.db.parcels.history(code, viewer)])
    if (!card || !file) throw landNotFound('parcel', code)
    const workbook = await parcelWorkbook(JSON.parse(card.json), JSON.parse(file))
    request.auditDetail = { file: `宗地${code}.xlsx`, rows: 1, sensitive_fields: viewer.sensitive ? SENSITIVE_FIELDS : [] }
    return reply.type(XLSX).header('content-disposition', attachment(`宗地${code}.xlsx`)).send(workbook)
  })

  app.get('/:code', {
    config: { access: ROLES, reads: 'replica' },
    schema: {
      tags: ['parcels'], summary: '宗地卡片 / one parcel card (一宗一卡); ETag = version',
      params: ParcelCode, response: { 200: JsonText(ParcelCard) },
    },
  }, async (request, reply) => {
    const card = await request.db.parcels.cardText(request.params.code, request.viewer)
    // Out of scope answers exactly like missing: the caller learns nothing about other counties.
    if (!card) throw landNotFound('parcel', request.params.code)
    setEtag(reply, card.version)
    return reply.type(GEOJSON).send(card.json)
  })

  app.get('/:code/history', {
    config: { access: ROLES, reads: 'replica' },
    schema: {
      tags: ['parcels'], summary: '宗地档案 / the file of a parcel (一地一档): every dated event in order; a page of them with limit and offset',
      params: ParcelCode,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'events per page; all of them when absent' })),
        offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'events to skip, in the order of the file' }),
      }, { additionalProperties: false }),
      response: { 200: JsonText(ParcelFile) },
    },
  }, async (request, reply) => {
    const file = await request.db.parcels.history(request.params.code, request.viewer,
      { offset: request.query.offset, limit: request.query.limit ?? null })
    if (!file) throw landNotFound('parcel', request.params.code)
    return reply.type('application/json').send(file)
  })

  app.patch('/:code', {
    config: { access: EDITORS },
    schema: {
      tags: ['parcels'],
      summary: '修改宗地 / edit a parcel: If-Match the card version; 409 with the current card when stale',
      params: ParcelCode, headers: IfMatch, body: ParcelPatch, response: { 200: JsonText(ParcelCard) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request.headers['if-match'])
    const card = await app.db.parcels.patch(request.params.code, request.viewer, expected, request.body, request.viewer)
    setEtag(reply, card.version)
    return reply.type(GEOJSON).send(card.json)
  })

  app.delete('/:code', {
    config: { access: EDITORS },
    schema: {
      tags: ['parcels'],
      summary: '注销宗地 / retire a parcel with a reason (never removed; its file stays)',
      params: ParcelCode, headers: IfMatch, body: RetireBody, response: { 200: JsonText(ParcelCard) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request.headers['if-match'])
    const card = await app.db.parcels.retire(request.params.code, request.viewer, expected, request.body.reason, request.viewer)
    setEtag(reply, card.version)
    return reply.type(GEOJSON).send(card.json)
  })

  app.post('/:code/development', {
    config: { access: RECORDERS },
    schema: {
      tags: ['parcels'], summary: '记录开发事件 / record a development event (动工, 停工, 竣工, 验收, 巡查…)',
      params: ParcelCode, body: DevelopmentEventCreate, response: { 201: JsonText(DevelopmentEvent) },
    },
  }, async (request, reply) => {
    const event = await app.db.parcels.addDevelopmentEvent(
      request.params.code, request.viewer, request.body, request.viewer, request.user!.username)
    setEtag(reply, event.version)
    return reply.status(201).type('application/json').send(event.json)
  })

  app.patch('/:code/development/:id', {
    config: { access: RECORDERS },
    schema: {
      tags: ['parcels'], summary: '修改开发事件 / edit a development event (If-Match its version)',
      params: Type.Object({ code: ParcelCode.properties.code, id: RecordId }),
      headers: IfMatch, body: DevelopmentEventPatch, response: { 200: JsonText(DevelopmentEvent) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request.headers['if-match'])
    const event = await app.db.parcels.patchDevelopmentEvent(
      request.params.code, request.params.id, request.viewer, expected, request.body, request.viewer)
    setEtag(reply, event.version)
    return reply.type('application/json').send(event.json)
  })
}
export default routes
