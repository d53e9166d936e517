/** A job as the API shows it (GET /api/jobs, and the 202 answer of every route that starts one):
 * its kind and state in Chinese, its progress and result; and startJob(), which queues the job a
 * signed-in user starts by hand on the job table (server/jobs/queue.ts): whichever process claims
 * it runs it once, and the caller follows it at GET /api/jobs/:id from any process. */
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { JobRow } from '../../db/repos/jobs'

const JOB_KIND_NAME: Record<string, string> = {
  'analysis-refresh': '分析快照更新',
  'alert-scan': '疑似闲置地块扫描',
  'analysis-recompute': '全量重算',
  'analysis-past': '往期剩余面积存储',
  'alert-scan-demand': '预警扫描',
  'ratings-store': '年度企业评价',
  backup: '数据备份',
}

export const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const
const STATE_NAME: Record<(typeof JOB_STATES)[number], string> = { queued: '排队中', running: '运行中', done: '已完成', failed: '失败' }
export const JobState = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')])

export const JobAnswer = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'the job kind (analysis-refresh, alert-scan…)' }),
  kind_name: Type.String({ description: '任务名称 / the kind in Chinese' }),
  state: JobState,
  state_name: Type.String({ description: '状态 / the state in Chinese' }),
  attempt: Type.Integer({ minimum: 0, description: 'runs started; above 1 when a process died or an attempt failed and another took it over' }),
  max_attempts: Type.Integer({ minimum: 1 }),
  phase: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()], { description: '进度说明 / what it is doing, in Chinese (why it failed, when it did)' }),
  done: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  total: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  result: Type.Unknown({ description: "the job's result when done (counts)" }),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
}, { additionalProperties: false })
export type JobAnswer = Static<typeof JobAnswer>

/** The answer of a route that queued a job: 202, the job at GET /api/jobs/:id (Location). */
export const JobStarted = { 202: JobAnswer }

export function jobView(app: FastifyInstance, r: JobRow): JobAnswer {
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

/** Queues a job the signed-in caller starts (it runs as them: server/jobs/started-by.ts) and
 * answers 202 with it; the audit event of the route names the job. */
export async function startJob(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, kind: string, payload: Record<string, unknown>): Promise<JobAnswer> {
  const { id } = await app.jobs.enqueue({ kind, payload, createdBy: request.user!.id })
  request.auditDetail = { ...(request.auditDetail ?? {}), job: id, job_kind: kind }
  const row = (await app.db.jobs.find(id, null))!
  reply.code(202).header('location', `/api/jobs/${id}`)
  return jobView(app, row)
}
