/** Background jobs (后台任务) as any process reads them from the job table (server/jobs/queue.ts):
 * one job's state and progress, and the list. An admin sees every job (the scheduled ones have no
 * owner); another land role sees the jobs it started, and someone else's answers like a missing one.
 * The internal error text stays in the log and the table: the answer carries the Chinese message. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ROLES } from '../../config'
import { HttpError } from '../../errors'
import { JobAnswer, JobState, jobView } from './view'

const JOB_MESSAGES = {
  notFound: (id: number) => `未找到任务 ${id} / no job ${id}`,
} as const

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const view = (r: Parameters<typeof jobView>[1]) => jobView(app, r)

  app.get('/', {
    config: { access: ROLES },
    schema: {
      tags: ['system'], summary: '后台任务列表 / background jobs, newest first: every job for an admin, your own otherwise',
      querystring: Type.Object({
        state: Type.Optional(JobState),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(JobAnswer) },
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
      response: { 200: JobAnswer },
    },
  }, async (request) => {
    const user = request.user!
    const row = await app.db.jobs.find(request.params.id, user.role === 'admin' ? null : user.id)
    if (!row) throw new HttpError(404, 'not_found', JOB_MESSAGES.notFound(request.params.id))
    return view(row)
  })
}

export default routes
