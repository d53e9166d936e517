/** Per-mu efficiency (亩均效益, annex 3 art. 14): the city, counties and clusters against their targets
 * with trend and ranks; enterprises ranked within their cluster; parcels (for the map's colouring);
 * the A/B/C/D rating of a year (live, and stored as that year's evaluation); the cluster KPIs of
 * §一(二)4. Aggregates for the roles of ONEMAP_AGGREGATE_ROLES; anything about one enterprise or
 * one parcel's figures for app.config.sensitiveRoles only. Handlers are thin: the rules are the
 * analysis.permu_* functions. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Role } from '../../config'
import { HttpError } from '../../errors'
import { JsonText, nameUnknownFields } from '../../schemas/common'
import { CreditCode } from '../../schemas/enterprise'
import { EDITORS } from '../../common/roles'
import { aggregateAccess, aggregateScope, PERMU_MESSAGES, YearFields, YearQuery, yearRange } from './query'
import { PermuParcels, PermuSummary } from './schemas'
import { startedBy } from '../../jobs/started-by'
import { JobStarted, startJob } from '../jobs/view'

const JSON_TYPE = 'application/json'
/** The job kind of storing a year's ratings (server/jobs/queue.ts). */
export const RATINGS_JOB = 'ratings-store'

const PageQuery = Type.Object({
  ...YearFields,
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
}, { additionalProperties: false })

/** The result of storing a year's ratings (the job's result, GET /api/jobs/:id). */
export const RatingsStored = Type.Object({
  year: Type.Integer(), stored: Type.Integer(),
  counts: Type.Object({ A: Type.Integer(), B: Type.Integer(), C: Type.Integer(), D: Type.Integer() }),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSchemaErrorFormatter(nameUnknownFields)
  const aggregate = aggregateAccess(app.config)
  const figures: readonly Role[] = app.config.sensitiveRoles
  const raters: readonly Role[] = figures.filter((r) => EDITORS.includes(r))

  app.get('/summary', {
    config: { access: aggregate },
    schema: {
      tags: ['permu'],
      summary: '亩均效益汇总 / tax and output per mu of the city, counties and clusters against their targets, with ranks and trend',
      querystring: YearQuery, response: { 200: JsonText(PermuSummary) },
    },
  }, async (request, reply) => {
    const r = yearRange(request.query)
    const body = await app.db.permu.summary({ ...r, scope: aggregateScope(request) }, request.viewer.sensitive)
    return reply.type(JSON_TYPE).send(body)
  })

  app.get('/kpis', {
    config: { access: aggregate },
    schema: {
      tags: ['permu'],
      summary: '集聚区"两率" / §一(二)4: energy per unit of value added (falling ≥ 5% a year) and intelligent-retrofit share (≥ 62%)',
      querystring: YearQuery,
    },
  }, async (request, reply) => {
    const r = yearRange(request.query)
    return reply.type(JSON_TYPE).send(await app.db.permu.kpis({ ...r, scope: aggregateScope(request) }))
  })

  app.get('/enterprises', {
    config: { access: figures, audit: 'figures_read' },
    schema: {
      tags: ['permu'],
      summary: '企业亩均排名 / land users ranked by tax per mu within their cluster and the city (tenants merged into the land)',
      querystring: PageQuery,
    },
  }, async (request, reply) => {
    const { limit, offset, ...q } = request.query
    const r = yearRange(q)
    return reply.type(JSON_TYPE).send(await app.db.permu.enterprises({ ...r, scope: request.viewer.scope }, { limit, offset }))
  })

  app.get('/enterprises/:credit_code', {
    config: { access: figures, audit: 'figures_read' },
    schema: {
      tags: ['permu'],
      summary: '企业亩均效益 / one land user\'s per-mu figures year by year, per parcel with its tenants',
      params: Type.Object({ credit_code: CreditCode }),
      querystring: Type.Object({ year: YearFields.year, from: YearFields.from, asOf: YearFields.asOf }, { additionalProperties: false }),
    },
  }, async (request, reply) => {
    const r = yearRange(request.query)
    const body = await app.db.permu.enterprise(request.params.credit_code, { ...r, scope: request.viewer.scope })
    if (!body) throw new HttpError(404, 'not_found', PERMU_MESSAGES.noFigures(request.params.credit_code))
    return reply.type(JSON_TYPE).send(body)
  })

  app.get('/parcels', {
    config: { access: figures, audit: 'figures_read' },
    schema: {
      tags: ['permu'],
      summary: '宗地亩均税收 / tax and output per mu of every parcel with figures (for colouring the map)',
      querystring: YearQuery, response: { 200: JsonText(PermuParcels) },
    },
  }, async (request, reply) => {
    const r = yearRange(request.query)
    return reply.type(JSON_TYPE).send(await app.db.permu.parcels({ ...r, scope: request.viewer.scope }))
  })

  app.get('/ratings', {
    config: { access: figures, audit: 'figures_read' },
    schema: {
      tags: ['permu'],
      summary: '企业分类评价 / A/B/C/D ratings of a year under the county rules in force, beside the stored and the imported ones',
      querystring: YearQuery,
    },
  }, async (request, reply) => {
    const r = yearRange(request.query)
    return reply.type(JSON_TYPE).send(await app.db.permu.ratings({ ...r, scope: request.viewer.scope }))
  })

  // storing a year's ratings runs on the job table, as the analyst or admin who asked, in the
  // counties their account has when it runs; its result (RatingsStored) is the job's
  app.jobs.register(RATINGS_JOB, async (ctx) => {
    const viewer = await startedBy(ctx, raters, app.config.sensitiveRoles)
    const year = Number(ctx.payload.year)
    ctx.progress({ phase: 'ratings', message: `正在保存 ${year} 年企业评价`, done: 0, total: 1 })
    const r = await ctx.t.permu.storeRatings(year, viewer.scope, viewer)
    ctx.progress({ phase: 'ratings', message: `${year} 年企业评价已保存`, done: 1, total: 1 })
    return r
  })

  app.post('/ratings/:year', {
    config: { access: raters, audit: 'published' },
    schema: {
      tags: ['permu'],
      summary: '发布年度评价 / store the ratings of a year (the annual evaluation that inefficient type 5 reads) for the caller\'s counties, as a background job: 202 with the job, whose result ({ year, stored, counts }) GET /api/jobs/:id shows',
      params: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) }),
      response: JobStarted,
    },
  }, async (request, reply) => {
    const year = request.params.year
    const thisYear = Number(yearRange({}).asOf.slice(0, 4))
    if (year >= thisYear) throw new HttpError(400, 'invalid_request', PERMU_MESSAGES.yearNotEnded(year), { field: 'year' })
    return startJob(app, request, reply, RATINGS_JOB, { year })
  })
}
export default routes
