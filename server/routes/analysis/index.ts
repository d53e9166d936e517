/** Land-status analysis (DOMAIN.md "Classifications the system computes"): 批而未供 unsupplied, 闲置 idle, 低效 inefficient, 未供即用 used
 * before supply, plan conformity; each as of any date, scoped to the caller's counties, as GeoJSON
 * with the reason every finding fired. Handlers are thin: the rules are analysis.* functions. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { ROLES, type Role } from '../../config'
import { startedBy } from '../../jobs/started-by'
import { JobStarted, startJob } from '../jobs/view'
import type { Classification } from '../../db/repos/analysis'
import { HttpError, notFound } from '../../errors'
import { todayInBeijing } from '../../db/viewer'

export const ANALYSIS_MESSAGES = {
  badDate: (field: string, value: string) => `日期无效 / ${field} "${value}" is not a calendar date (YYYY-MM-DD)`,
} as const


const AsOf = Type.Optional(Type.String({ format: 'date', description: '分析基准日 / the date the analysis is as of (default: today, Beijing time)' }))

const ListQuery = Type.Object({
  asOf: AsOf,
  county: Type.Optional(Type.String({ maxLength: 6, pattern: '^4103\\d{2}$', description: '区县代码 / county code' })),
  cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: '产业集聚区代码 / cluster code' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
}, { additionalProperties: false })
type ListQuery = Static<typeof ListQuery>

const Feature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.Union([Type.String(), Type.Number()]),
  geometry: Type.Any(),
  properties: Type.Record(Type.String(), Type.Any()),
})

const FeaturePage = Type.Object({
  type: Type.Literal('FeatureCollection'),
  as_of: Type.String(),
  total: Type.Integer({ description: '符合条件的总数 / matches in all pages' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  features: Type.Array(Feature),
})

/** The result of a full recompute (the job's result). past_job: the follow-on job that stores
 * the summary's past 批而未供 remainders the recompute could not keep (null when none was left). */
export const Refresh = Type.Object({
  as_of: Type.String(), duration_ms: Type.Integer(), findings: Type.Integer(), batches: Type.Integer(), changes: Type.Integer(),
  past_job: Type.Union([Type.Integer(), Type.Null()]),
})
/** The job kind of the full recompute an admin starts (server/jobs/queue.ts). */
export const RECOMPUTE_JOB = 'analysis-recompute'
/** Its follow-on, queued in the recompute's own transaction: a job of its own, so that it is seen
 * (GET /api/jobs), waited for like any other, and run by another process if this one dies. */
export const PAST_JOB = 'analysis-past'
const RECOMPUTERS: readonly Role[] = ['admin']


function dateOrToday(value: string | undefined, field = 'asOf'): string {
  if (value === undefined) return todayInBeijing()
  const d = new Date(`${value}T00:00:00Z`)
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new HttpError(400, 'invalid_request', ANALYSIS_MESSAGES.badDate(field, value))
  }
  return value
}

function listQuery(request: FastifyRequest, q: ListQuery) {
  return {
    asOf: dateOrToday(q.asOf),
    scope: request.viewer.scope,
    county: q.county ?? null,
    cluster: q.cluster ?? null,
    limit: q.limit,
    offset: q.offset,
    sensitive: request.viewer.sensitive,
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/unsupplied', {
    config: { access: ROLES },
    schema: {
      tags: ['analysis'],
      summary: '批而未供 / approved but unsupplied: per batch, the remainder not covered by supplied parcels',
      querystring: Type.Composite([ListQuery, Type.Object({
        includeDigested: Type.Boolean({ default: false, description: '包括已全部消化的批次 / also batches with no remainder' }),
      })], { additionalProperties: false }),
      response: { 200: FeaturePage },
    },
  }, async (request, reply) => {
    reply.type('application/geo+json')
    return app.db.analysis.unsupplied({ ...listQuery(request, request.query), includeDigested: request.query.includeDigested })
  })

  const findingsRoute = (path: string, classification: Classification, summary: string, extra: ReturnType<typeof Type.Object>) => {
    const Query = Type.Composite([ListQuery, extra], { additionalProperties: false })
    app.get(path, {
      config: { access: ROLES },
      schema: { tags: ['analysis'], summary, querystring: Query, response: { 200: FeaturePage } },
    }, async (request, reply) => {
      const q = request.query as ListQuery & { rule?: string; type?: number; stage?: number; includeSuspended?: boolean }
      reply.type('application/geo+json')
      return app.db.analysis.findings(classification, {
        ...listQuery(request, q),
        rule: q.rule ?? null,
        type: q.type ?? null,
        stage: q.stage ?? null,
        includeSuspended: q.includeSuspended ?? true,
      })
    })
  }

  findingsRoute('/idle', 'idle', '闲置 / idle land (2012 measures art. 2), with stage and suspension', Type.Object({
    stage: Type.Optional(Type.Integer({ minimum: 1, maximum: 2, description: '1: 1–2 years (fee); 2: ≥ 2 years (recovery)' })),
    includeSuspended: Type.Boolean({ default: true, description: '包括政府原因暂停认定的 / include findings suspended by a government-caused delay' }),
  }))
  findingsRoute('/inefficient', 'inefficient', '低效 / inefficient land, the six types of annex 3 art. 2', Type.Object({
    type: Type.Optional(Type.Integer({ minimum: 1, maximum: 6 })),
  }))
  findingsRoute('/used-before-supply', 'used_before_supply', '未供即用 / parcels built on with no supply contract', Type.Object({}))
  findingsRoute('/conformity', 'conformity', '规划符合性 / plan conformity findings', Type.Object({
    rule: Type.Optional(Type.Union(['outside_cluster', 'non_industrial_zone', 'industry_not_leading', 'large_single_supply']
      .map((r) => Type.Literal(`conformity.${r}`)))),
  }))

  app.get('/used-before-supply/changes', {
    config: { access: ROLES },
    schema: {
      tags: ['analysis'],
      summary: '未供即用（遥感）/ remote-sensing construction on land no supply contract covers',
      querystring: ListQuery,
      response: { 200: FeaturePage },
    },
  }, async (request, reply) => {
    reply.type('application/geo+json')
    return app.db.analysis.usedBeforeSupplyChanges(listQuery(request, request.query))
  })

  app.get('/summary', {
    config: { access: ROLES },
    schema: {
      tags: ['analysis'],
      summary: '汇总 / counts and areas per cluster, county and city, with the 批而未供 targets',
      querystring: Type.Object({
        asOf: AsOf,
        county: Type.Optional(Type.String({ maxLength: 6, pattern: '^4103\\d{2}$' })),
      }, { additionalProperties: false }),
    },
  }, async (request) => {
    const scope = request.viewer.scope
    const county = request.query.county
    // A county filter narrows the caller's scope; it never widens it.
    const narrowed = county === undefined ? scope : (scope === null || scope.includes(county) ? [county] : [])
    return app.db.analysis.summary(dateOrToday(request.query.asOf), narrowed)
  })

  app.get('/parcels/:code', {
    config: { access: ROLES },
    schema: {
      tags: ['analysis'],
      summary: '宗地分类 / one parcel\'s classifications with their reasons (for the card)',
      params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Object({ asOf: AsOf }, { additionalProperties: false }),
    },
  }, async (request) => {
    const r = await app.db.analysis.parcelClassifications(
      request.params.code, dateOrToday(request.query.asOf), request.viewer.scope, request.viewer.sensitive)
    if (!r) throw notFound('宗地 parcel', request.params.code)
    return r
  })

  app.get('/snapshot', {
    config: { access: ROLES },
    schema: { tags: ['analysis'], summary: '物化结果的基准日 / the date the materialised results are for' },
  }, async () => (await app.db.analysis.snapshot()) ?? { as_of: null })

  // the recompute runs on the job table: once, in whichever process claims it, as the admin who
  // started it, its result (Refresh) the job's; the caller follows it at GET /api/jobs/:id
  app.jobs.register(RECOMPUTE_JOB, async (ctx) => {
    const viewer = await startedBy(ctx, RECOMPUTERS, app.config.sensitiveRoles)
    const asOf = String(ctx.payload.asOf)
    ctx.progress({ phase: 'recompute', message: `正在按 ${asOf} 重新计算全部认定结果`, done: 0, total: 1 })
    const r = await ctx.t.analysis.refresh(asOf, viewer)
    // the summary's past remainders the recompute could not keep: stored by a job of its own after
    // this one's commit (the summary computes them live until then)
    const past = r.past_to_store.length === 0 ? null : (await ctx.t.jobs.enqueue({
      kind: PAST_JOB, payload: { dates: r.past_to_store }, dedupeKey: `${PAST_JOB}@${ctx.claim.id}`,
      createdBy: ctx.claim.created_by, message: '排队等待：存储汇总的往期批而未供剩余面积',
    })).id
    ctx.progress({ phase: 'recompute', message: '全量重算完成', done: 1, total: 1 })
    return { ...r, past_job: past === null ? null : Number(past) }
  })

  app.jobs.register(PAST_JOB, async ({ t, progress }) => {
    progress({ phase: 'past', message: '正在存储汇总的往期批而未供剩余面积', done: 0, total: 1 })
    const stored = await t.analysis.storePast()
    progress({ phase: 'past', message: '往期剩余面积已存储', done: 1, total: 1 })
    return { stored }
  })

  app.post('/refresh', {
    config: { access: RECOMPUTERS, audit: 'job_started' },
    schema: {
      tags: ['analysis'],
      summary: '全量重算 / full recompute of every materialised result at a date (admin), as a background job: 202 with the job, whose result (as_of, duration_ms, findings, batches, changes) GET /api/jobs/:id shows',
      body: Type.Optional(Type.Object({ asOf: AsOf }, { additionalProperties: false })),
      response: JobStarted,
    },
  }, async (request, reply) => {
    return startJob(app, request, reply, RECOMPUTE_JOB, { asOf: dateOrToday(request.body?.asOf) })
  })
}
export default routes
