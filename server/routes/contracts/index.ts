/** Supply contracts (供地合同): search, one contract with its indicators, edit (If-Match), record a supply. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import {
  expectedVersion, IfMatchHeaders, JsonText, landNotFound, listOf, nameUnknownFields, pageOf, setEtag, tokensOf,
} from '../../schemas/common'
import { ContractCreate, ContractNo, ContractPage, ContractPatch, ContractSearchQuery, ContractView } from '../../schemas/contract'
import { EDITORS } from '../../common/roles'

const IfMatch = IfMatchHeaders
const JSON_TYPE = 'application/json'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSchemaErrorFormatter(nameUnknownFields)

  app.get('/', {
    config: { access: ROLES },
    schema: { tags: ['contracts'], summary: '供地合同检索 / search supply contracts', querystring: ContractSearchQuery, response: { 200: JsonText(ContractPage) } },
  }, async (request, reply) => {
    const q = request.query
    const page = await app.db.contracts.search({
      county: listOf(q.county), cluster: listOf(q.cluster), tokens: tokensOf(q.q),
      supplyMethod: q.supply_method ?? null, standardLand: q.standard_land ?? null, inForce: q.in_force ?? null,
      signedFrom: q.signed_from ?? null, signedTo: q.signed_to ?? null, page: pageOf(q),
    }, request.viewer)
    return reply.type(JSON_TYPE).send(page)
  })

  app.get('/:no', {
    config: { access: ROLES },
    schema: { tags: ['contracts'], summary: '供地合同 / one contract with its indicators; ETag = version', params: ContractNo, response: { 200: JsonText(ContractView) } },
  }, async (request, reply) => {
    const found = await app.db.contracts.view(request.params.no, request.viewer)
    if (!found) throw landNotFound('contract', request.params.no)
    setEtag(reply, found.version)
    return reply.type(JSON_TYPE).send(found.json)
  })

  app.patch('/:no', {
    config: { access: EDITORS },
    schema: {
      tags: ['contracts'], summary: '修改供地合同 / edit a contract (If-Match; indicators replace the set)',
      params: ContractNo, headers: IfMatch, body: ContractPatch, response: { 200: JsonText(ContractView) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request.headers['if-match'])
    const found = await app.db.contracts.patch(request.params.no, request.viewer, expected, request.body, request.viewer)
    setEtag(reply, found.version)
    return reply.type(JSON_TYPE).send(found.json)
  })

  app.post('/', {
    config: { access: EDITORS },
    schema: { tags: ['contracts'], summary: '登记供地 / record the supply of a parcel', body: ContractCreate, response: { 201: JsonText(ContractView) } },
  }, async (request, reply) => {
    const found = await app.db.contracts.create(request.body, request.viewer, request.viewer)
    setEtag(reply, found.version)
    return reply.status(201).type(JSON_TYPE).send(found.json)
  })
}
export default routes
