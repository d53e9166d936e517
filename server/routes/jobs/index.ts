/** Background jobs (后台任务) as any process reads them from the job table (server/jobs/queue.ts):
 * one job's state and progress, and the list. An admin sees every job (the scheduled ones have no
 * owner); another land role sees the jobs it started, and someone else's answers like a missing one.
 * The internal error text stays in the log and the table: the answer carries the Chinese message. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import { HttpError } from '../../errors'
import type { JobRow } from '../../db/repos/jobs'

const JOB_KIND_NAME: Record<string, string> = {
  'analysis-refresh': '分析快照更新',
  'alert-scan': '疑似闲置地块扫描',
}

const STATES = ['queued', 'running', 'done', 'failed'] as const
const STATE_NAME: Record<(typeof STATES)[number], string> = { queued: '排队中', running: '运行中', done: '已完成', failed: '失败' }
const State = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')])

const Job = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'the job kind (analysis-refresh, alert-scan…)' }),
  kind_name: Type.String({ description: '任务名称 / the kind in Chinese' }),
  state: State,
  state_name: Type.String({ description: '状态 / the state in Chinese' }),
  attempt: Type.Integer({ minimum: 0, description: 'runs started; above 1 when a process died or an attempt failed and another took it over' }),
  max_attempts: Type.Integer({ minimum: 1 }),
  phase: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()], { description: '进度说明 / what it is doing, in Chinese' }),
  done: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  total: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  result: Type.Unknown({ description: "the job's result when done (counts)" }),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
}, { additionalProperties: false })

const JOB_MESSAGES = {
  notFound: (id: number) => `未找到任务 ${id} / no job ${id}`,
} as const

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const view = (r: JobRow) => {
    // this process runs it now: its progress may be newer than the row (the embedded database's
    // one connection is held by the job's own transaction)
    const live = r.state === 'running' ? app.jobs.progress(Number(r.id)) : undefined
    return {
      id: Number(r.id), kind: r.kind, kind_name: JOB_KIND_NAME[r.kind] ?? r.kind, state: r.state, state_name: STATE_NAME[r.state],
      attempt: r.attempt, max_attempts: r.max_attempts,
      phase: live?.phase ?? r.phase, message: live?.message ?? r.message, done: live?.done ?? r.done, total: live?.total ?? r.total,
      result: r.result ?? null,
      created_at: r.created_at.toISOString(), started_at: r.started_at?.toISOString() ?? null, finished_at: r.finished_at?.toISOString() ?? null,
    }
  }

  app.get('/', {
    config: { access: ROLES },
    schema: {
      tags: ['system'], summary: '后台任务列表 / background jobs, newest first: every job for an admin, your own otherwise',
      querystring: Type.Object({
        state: Type.Optional(State),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(Job) },
    },
  }, async (request) => {
    const user = request.user!
    const rows = await app.db.jobs.list(user.role === 'admin' ? null : user.id, request.query.state ?? null, request.query.limit)
    return rows.map(view)
  })

  app.get('/:id', {
    config: { access: ROLES },
    schema: {
      tags: ['system'], summary: '后台任务进度 / one job: its state and progress, as recorded by whichever process runs it',
      params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
      response: { 200: Job },
    },
  }, async (request) => {
    const user = request.user!
    const row = await app.db.jobs.find(request.params.id, user.role === 'admin' ? null : user.id)
    if (!row) throw new HttpError(404, 'not_found', JOB_MESSAGES.notFound(request.params.id))
    return view(row)
  })
}

export default routes
