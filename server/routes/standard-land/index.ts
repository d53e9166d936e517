/** Standard land (标准地, §二(四)10, annex 2): the contracts with where each stands (asOf), what is
 * overdue, the pilot shares; one contract's file; a sale with its 3+N+1 indicators; the agreement's
 * periods; completion and production checks; the termination. County scope in SQL; measured tax and
 * output per mu only for sensitive roles; the shares (land areas, no enterprise figures) for the roles
 * that see aggregates. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import {
  expectedVersion, IfMatchHeaders, JsonText, landNotFound, listOf, nameUnknownFields, setEtag,
} from '../../schemas/common'
import { ContractNo } from '../../schemas/contract'
import { EDITORS } from '../../common/roles'
import { aggregateAccess, aggregateScope, dateOrToday, YearFields, YearQuery, yearRange } from '../permu/query'
import { CheckCreate, StandardLandCreate, StandardLandFile, StandardLandPage, StandardLandTransitions, STATUSES, Terms, Termination } from '../../schemas/standard-land'
import { STANDARD_LAND_STATUS } from '../../labels/codes'

const JSON_TYPE = 'application/json'
const IfMatch = IfMatchHeaders
const AsOfQuery = Type.Object({ asOf: YearFields.asOf }, { additionalProperties: false })
const PlaceFields = { asOf: YearFields.asOf, county: YearFields.county, cluster: YearFields.cluster }

const ListQuery = Type.Object({
  ...PlaceFields,
  status: Type.Optional(Type.Array(Type.Union(STATUSES.map((s) => Type.Literal(s))), { maxItems: STATUSES.length })),
  overdue: Type.Optional(Type.Boolean({ description: 'true: only contracts with something overdue' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
}, { additionalProperties: false })

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSchemaErrorFormatter(nameUnknownFields)
  const aggregate = aggregateAccess(app.config)

  app.get('/', {
    config: { access: ROLES },
    schema: {
      tags: ['standard-land'],
      summary: '标准地合同 / standard-land contracts with where each stands at asOf, the next due date and whether it is overdue',
      querystring: ListQuery, response: { 200: JsonText(StandardLandPage) },
    },
  }, async (request, reply) => {
    const q = request.query
    const body = await app.db.standardLand.list({
      asOf: dateOrToday(q.asOf), scope: request.viewer.scope, county: listOf(q.county), cluster: listOf(q.cluster),
      status: q.status ?? null, overdue: q.overdue ?? null, limit: q.limit, offset: q.offset,
    })
    return reply.type(JSON_TYPE).send(body)
  })

  app.get('/overdue', {
    config: { access: ROLES },
    schema: {
      tags: ['standard-land'],
      summary: '逾期事项 / completion and production checks past their period, rectifications past their deadline, terminations not done',
      querystring: Type.Object(PlaceFields, { additionalProperties: false }),
    },
  }, async (request, reply) => {
    const q = request.query
    const body = await app.db.standardLand.overdue({
      asOf: dateOrToday(q.asOf), scope: request.viewer.scope, county: listOf(q.county), cluster: listOf(q.cluster),
    })
    return reply.type(JSON_TYPE).send(body)
  })

  app.get('/shares', {
    config: { access: aggregate },
    schema: {
      tags: ['standard-land'],
      summary: '标准地出让比例 / share of new industrial land sold as standard land per cluster and year (≥ 20% in 2021, 100% from the end of 2022)',
      querystring: YearQuery,
    },
  }, async (request, reply) => {
    const r = yearRange(request.query)
    return reply.type(JSON_TYPE).send(await app.db.standardLand.shares({ ...r, scope: aggregateScope(request) }))
  })

  app.get('/transitions', {
    config: { access: ROLES },
    schema: {
      tags: ['standard-land'],
      summary: '标准地履约监管流程 / the workflow as a table: from each status, which check or termination leads where, what it opens or closes, or why it is refused (annex 2 arts. 11–12)',
      response: { 200: StandardLandTransitions },
    },
  }, async () => ({
    statuses: STATUSES.map((status) => ({ status, label: STANDARD_LAND_STATUS[status] })),
    transitions: await app.db.standardLandWorkflow.transitions(),
  }))

  app.get('/:no', {
    config: { access: ROLES },
    schema: {
      tags: ['standard-land'],
      summary: '标准地档案 / one standard-land contract: 3+N+1, agreement, checks with results, rectifications, ledger, status at asOf',
      params: ContractNo, querystring: AsOfQuery, response: { 200: JsonText(StandardLandFile) },
    },
  }, async (request, reply) => {
    const found = await app.db.standardLand.view(request.params.no, dateOrToday(request.query.asOf), request.viewer)
    if (!found) throw landNotFound('contract', request.params.no)
    setEtag(reply, found.version)
    return reply.type(JSON_TYPE).send(found.json)
  })

  app.post('/', {
    config: { access: EDITORS },
    schema: {
      tags: ['standard-land'],
      summary: '标准地出让 / sell a parcel as standard land: the 3 main indicators, any N, the term (≤ 20 years; ≤ 50 for a recognised major project)',
      body: StandardLandCreate, response: { 201: JsonText(StandardLandFile) },
    },
  }, async (request, reply) => {
    const found = await app.db.standardLand.create(request.body, request.viewer, request.viewer, dateOrToday(undefined))
    setEtag(reply, found.version)
    return reply.status(201).type(JSON_TYPE).send(found.json)
  })

  app.put('/:no/terms', {
    config: { access: EDITORS },
    schema: {
      tags: ['standard-land'],
      summary: '履约监管协议期限 / the agreement\'s number and check periods (If-Match once set)',
      params: ContractNo, headers: IfMatch, body: Terms, response: { 200: JsonText(StandardLandFile) },
    },
  }, async (request, reply) => {
    const ifMatch = request.headers['if-match']
    const expected = ifMatch === undefined ? null : expectedVersion(ifMatch)
    const found = await app.db.standardLand.setTerms(request.params.no, request.viewer, expected, request.body,
      request.viewer, dateOrToday(undefined))
    return reply.type(JSON_TYPE).send(found.json)
  })

  app.post('/:no/checks', {
    config: { access: EDITORS },
    schema: {
      tags: ['standard-land'],
      summary: '竣工/达产验收 / record a completion or production check: pass or fail per indicator; a failure opens a rectification (≤ 2 years), a failed re-check recommends termination',
      params: ContractNo, body: CheckCreate, response: { 201: JsonText(StandardLandFile) },
    },
  }, async (request, reply) => {
    const found = await app.db.standardLandWorkflow.recordCheck(request.params.no, request.viewer, request.body,
      request.viewer, request.user!.username)
    return reply.status(201).type(JSON_TYPE).send(found.json)
  })

  app.post('/:no/termination', {
    config: { access: EDITORS },
    schema: {
      tags: ['standard-land'],
      summary: '解除合同、收回土地 / record the termination of the contract and the recovery of the land',
      params: ContractNo, body: Termination, response: { 200: JsonText(StandardLandFile) },
    },
  }, async (request, reply) => {
    const found = await app.db.standardLandWorkflow.terminate(request.params.no, request.viewer, request.body, request.viewer)
    return reply.type(JSON_TYPE).send(found.json)
  })
}
export default routes
