/** Leases of a parcel (租赁, annex 3 art. 14: where a landholder leases land or standard factories
 * out, the tenants' tax and output are merged into that land). Record, end and list. The list
 * names enterprises and areas of their business: for the roles that see enterprise figures
 * (app.config.sensitiveRoles); writes for admins. Registered under /api. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IsoDate, Nullable, RecordId, landNotFound } from '../../schemas/common'
import { ParcelCode } from '../../schemas/parcel'

const Code = Type.String({ minLength: 18, maxLength: 18, pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$', description: '统一社会信用代码' })

const Lease = Type.Object({
  id: Type.Integer(), landholder_code: Type.String(), landholder_name: Type.String(), tenant_code: Type.String(), tenant_name: Type.String(),
  area_m2: Nullable(Type.Number()), starts_on: IsoDate, ends_on: Nullable(IsoDate), doc_no: Nullable(Type.String()), note: Nullable(Type.String()),
  version: Type.Integer(), in_force: Type.Boolean(),
}, { additionalProperties: false })
const Leases = Type.Object({ code: Type.String(), leases: Type.Array(Lease) }, { additionalProperties: false })

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/parcels/:code/leases', {
    config: { access: app.config.sensitiveRoles },
    schema: { tags: ['leases'], summary: '宗地租赁 / the leases of a parcel (ended ones too)', params: ParcelCode, response: { 200: Leases } },
  }, async (request) => {
    const leases = await app.db.admin.leases(request.params.code, request.viewer)
    if (!leases) throw landNotFound('parcel', request.params.code)
    return { code: request.params.code, leases }
  })

  app.post('/parcels/:code/leases', {
    config: { access: ['admin'], audit: 'lease_recorded' },
    schema: {
      tags: ['leases'], summary: '登记租赁 / record a lease: landholder, tenant, area, from–to, document',
      params: ParcelCode,
      body: Type.Object({
        landholder_code: Code, tenant_code: Code, starts_on: IsoDate,
        ends_on: Type.Optional(Nullable(IsoDate)),
        area_m2: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1e8 }))),
        doc_no: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100, description: '租赁合同编号 / the lease document' }))),
        note: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 500 }))),
      }, { additionalProperties: false }),
      response: { 201: Leases },
    },
  }, async (request, reply) => {
    const b = request.body
    request.auditDetail = { parcel: request.params.code, landholder: b.landholder_code, tenant: b.tenant_code, starts_on: b.starts_on, ends_on: b.ends_on ?? null, doc_no: b.doc_no ?? null }
    const leases = await app.db.admin.addLease(request.params.code, {
      landholder: b.landholder_code, tenant: b.tenant_code, startsOn: b.starts_on, endsOn: b.ends_on ?? null,
      areaM2: b.area_m2 ?? null, docNo: b.doc_no ?? null, note: b.note ?? null,
    }, request.viewer)
    return reply.status(201).send({ code: request.params.code, leases })
  })

  app.post('/parcels/:code/leases/:id/end', {
    config: { access: ['admin'], audit: 'lease_ended' },
    schema: {
      tags: ['leases'], summary: '结束租赁 / end a lease on a date',
      params: Type.Object({ code: ParcelCode.properties.code, id: RecordId }),
      body: Type.Object({ ends_on: IsoDate, note: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 500 }))) }, { additionalProperties: false }),
      response: { 200: Leases },
    },
  }, async (request) => {
    request.auditDetail = { parcel: request.params.code, lease: request.params.id, ends_on: request.body.ends_on }
    const leases = await app.db.admin.endLease(request.params.code, request.params.id, request.body.ends_on, request.body.note ?? null, request.viewer)
    return { code: request.params.code, leases }
  })
}
export default routes
