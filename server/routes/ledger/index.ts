/** The disposal ledger (工作台账, annex 3 art. 6). Registered under /api: a parcel's ledger at
 * /api/parcels/:code/ledger, the whole ledger of the caller's counties at /api/ledger. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import {
  expectedVersion, IfMatchHeaders, JsonText, landNotFound, listOf, nameUnknownFields, RecordId, setEtag,
} from '../../schemas/common'
import { ParcelCode } from '../../schemas/parcel'
import { LedgerCreate, LedgerEntry, LedgerPage, LedgerPatch, LedgerQuery, ParcelLedger } from '../../schemas/ledger'
import { EDITORS } from '../../common/roles'

const JSON_TYPE = 'application/json'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSchemaErrorFormatter(nameUnknownFields)

  app.get('/ledger', {
    config: { access: ROLES },
    schema: { tags: ['ledger'], summary: '工作台账 / the disposal ledger of your counties (overdue entries flagged)', querystring: LedgerQuery, response: { 200: JsonText(LedgerPage) } },
  }, async (request, reply) => {
    const q = request.query
    const page = await app.db.ledger.list({
      county: listOf(q.county), cluster: listOf(q.cluster), measure: q.measure?.length ? [...q.measure] : null,
      open: q.open ?? null, overdue: q.overdue ?? null, limit: q.limit ?? 100, offset: q.offset ?? 0,
    }, request.viewer)
    return reply.type(JSON_TYPE).send(page)
  })

  app.get('/parcels/:code/ledger', {
    config: { access: ROLES },
    schema: { tags: ['ledger'], summary: '宗地处置台账 / the disposal ledger of a parcel', params: ParcelCode, response: { 200: JsonText(ParcelLedger) } },
  }, async (request, reply) => {
    const ledger = await app.db.ledger.ofParcel(request.params.code, request.viewer)
    if (!ledger) throw landNotFound('parcel', request.params.code)
    return reply.type(JSON_TYPE).send(ledger)
  })

  app.post('/parcels/:code/ledger', {
    config: { access: EDITORS },
    schema: { tags: ['ledger'], summary: '新增处置措施 / add a measure to a parcel\'s ledger (一地一策)', params: ParcelCode, body: LedgerCreate, response: { 201: JsonText(LedgerEntry) } },
  }, async (request, reply) => {
    const entry = await app.db.ledger.add(request.params.code, request.viewer, request.body, request.viewer)
    setEtag(reply, entry.version)
    return reply.status(201).type(JSON_TYPE).send(entry.json)
  })

  app.patch('/parcels/:code/ledger/:id', {
    config: { access: EDITORS },
    schema: {
      tags: ['ledger'], summary: '更新处置进展 / update progress or complete a ledger entry (If-Match)',
      params: Type.Object({ code: ParcelCode.properties.code, id: RecordId }),
      headers: IfMatchHeaders, body: LedgerPatch,
      response: { 200: JsonText(LedgerEntry) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request.headers['if-match'])
    const entry = await app.db.ledger.patch(request.params.code, request.params.id, request.viewer, expected, request.body, request.viewer)
    setEtag(reply, entry.version)
    return reply.type(JSON_TYPE).send(entry.json)
  })
}
export default routes
