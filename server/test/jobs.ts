/** Waiting for the background jobs of the job table (server/jobs/queue.ts) in tests: a route that
 * starts one answers 202 with it; the test follows it as a client would (GET /api/jobs/:id) until it
 * is done, or waits until no job is left to run. Waits on the job's state, never on a time. */
import { expect } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { Response as InjectResponse } from 'light-my-request'
import type { IDatabase } from 'pg-promise'

export interface JobSeen<R = unknown> {
  id: number
  kind: string
  state: 'queued' | 'running' | 'done' | 'failed'
  message: string | null
  result: R
}

const pause = () => new Promise((r) => setTimeout(r, 20))

/** Follows the job a 202 answer started until it has finished; its last state as GET /api/jobs/:id shows it. */
export async function jobOutcome<R = Record<string, unknown>>(app: FastifyInstance, started: InjectResponse, headers: Record<string, string>): Promise<JobSeen<R>> {
  expect(started.statusCode, started.body).toBe(202)
  const { id } = started.json() as { id: number }
  expect(started.headers.location).toBe(`/api/jobs/${id}`)
  return jobFollowed<R>(app, id, headers)
}

/** Follows job `id` (one a result names, such as a follow-on job) until it has finished. */
export async function jobFollowed<R = Record<string, unknown>>(app: FastifyInstance, id: number, headers: Record<string, string>): Promise<JobSeen<R>> {
  for (;;) {
    const res = await app.inject({ url: `/api/jobs/${id}`, headers })
    expect(res.statusCode, res.body).toBe(200)
    const job = res.json() as JobSeen<R>
    if (job.state === 'done' || job.state === 'failed') return job
    await pause()
  }
}

/** Its result, once done (fails the test when the job failed). */
export async function jobResult<R = Record<string, unknown>>(app: FastifyInstance, started: InjectResponse, headers: Record<string, string>): Promise<R> {
  const job = await jobOutcome<R>(app, started, headers)
  expect(job.state, job.message ?? '').toBe('done')
  return job.result
}

/** Until no job is queued or running (what an accepted 202 started has committed or failed). */
export async function settleJobs(db: IDatabase<unknown>): Promise<void> {
  while ((await db.one("SELECT count(*)::int AS n FROM job WHERE state IN ('queued', 'running')")).n > 0) await pause()
}
