/** Official flags on a parcel for 低效 types 1 (产业转型) and 6 (其他) (annex 3 art. 2(1), 2(6):
 * set by an official). Set with the document number (文号), date and reason; cleared with a date,
 * document and reason; never deleted, so analysis.inefficient reproduces every past date, and each
 * write lands in the parcel's file (一地一档, the event log names who). Registered under /api. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IsoDate, Nullable, RecordId, landNotFound } from '../../schemas/common'
import { ParcelCode } from '../../schemas/parcel'
import { ROLES } from '../../config'

const DocNo = Type.String({ minLength: 1, maxLength: 100, description: '文号 of the decision' })
const Reason = Type.String({ minLength: 1, maxLength: 1000 })

export const Flag = Type.Object({
  id: Type.Integer(), kind: Type.Union([Type.Literal('industry_transition'), Type.Literal('other')]),
  doc_no: Nullable(Type.String()), reason: Type.String(), set_by: Type.String(), set_on: IsoDate,
  cleared_on: Nullable(IsoDate), cleared_doc_no: Nullable(Type.String()), cleared_reason: Nullable(Type.String()),
  cleared_by: Nullable(Type.String()), version: Type.Integer(), in_force: Type.Boolean(),
}, { additionalProperties: false })
const Flags = Type.Object({ code: Type.String(), flags: Type.Array(Flag) }, { additionalProperties: false })

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/parcels/:code/flags', {
    config: { access: ROLES },
    schema: { tags: ['flags'], summary: '低效认定标记 / the official flags of a parcel (types 1 and 6), cleared ones too', params: ParcelCode, response: { 200: Flags } },
  }, async (request) => {
    const flags = await app.db.admin.flags(request.params.code, request.viewer)
    if (!flags) throw landNotFound('parcel', request.params.code)
    return { code: request.params.code, flags }
  })

  app.post('/parcels/:code/flags', {
    config: { access: ['admin'], audit: 'flag_set' },
    schema: {
      tags: ['flags'], summary: '认定低效（产业转型类 / 其他类）/ flag a parcel inefficient type 1 or 6 from a date, with the document',
      params: ParcelCode,
      body: Type.Object({
        kind: Type.Union([Type.Literal('industry_transition'), Type.Literal('other')], { description: 'industry_transition = type 1 产业转型, other = type 6 其他' }),
        doc_no: DocNo, set_on: IsoDate, reason: Reason,
      }, { additionalProperties: false }),
      response: { 201: Flags },
    },
  }, async (request, reply) => {
    const b = request.body
    request.auditDetail = { parcel: request.params.code, kind: b.kind, doc_no: b.doc_no, set_on: b.set_on }
    const flags = await app.db.admin.setFlag(request.params.code, { kind: b.kind, docNo: b.doc_no, setOn: b.set_on, reason: b.reason }, request.viewer)
    return reply.status(201).send({ code: request.params.code, flags })
  })

  app.post('/parcels/:code/flags/:id/clear', {
    config: { access: ['admin'], audit: 'flag_cleared' },
    schema: {
      tags: ['flags'], summary: '解除低效认定 / clear a flag from a date, with the document and reason',
      params: Type.Object({ code: ParcelCode.properties.code, id: RecordId }),
      body: Type.Object({ cleared_on: IsoDate, doc_no: DocNo, reason: Reason }, { additionalProperties: false }),
      response: { 200: Flags },
    },
  }, async (request) => {
    const b = request.body
    request.auditDetail = { parcel: request.params.code, flag: request.params.id, doc_no: b.doc_no, cleared_on: b.cleared_on }
    const flags = await app.db.admin.clearFlag(request.params.code, request.params.id, { clearedOn: b.cleared_on, docNo: b.doc_no, reason: b.reason }, request.viewer)
    return { code: request.params.code, flags }
  })
}
export default routes
