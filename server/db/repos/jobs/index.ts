/** The job table (sql/migrations/990_job.sql): enqueue and schedule, the claim under a lease, its
 * renewal, progress and end, each write of a held claim fenced by (owner, attempt) so that a
 * process whose lease was taken over writes nothing. server/jobs/queue.ts runs them. */
import type { IDatabase, IMain } from 'pg-promise'
import { sqlLoader } from '../../sql'

const sql = sqlLoader(import.meta.url)
const Q = {
  enqueue: sql('enqueue.sql'),
  claim: sql('claim.sql'),
  start: sql('start.sql'),
  giveUp: sql('give-up.sql'),
  heartbeat: sql('heartbeat.sql'),
  progress: sql('progress.sql'),
  finish: sql('finish.sql'),
  release: sql('release.sql'),
  find: sql('find.sql'),
  list: sql('list.sql'),
  failStuckUploads: sql('fail-stuck-uploads.sql'),
  uploadDirsInUse: sql('upload-dirs-in-use.sql'),
}

export type JobState = 'queued' | 'running' | 'done' | 'failed'

/** A claim this process holds: the fence of every write it makes to the row. */
export interface Claim {
  id: number
  kind: string
  payload: Record<string, unknown>
  attempt: number
  max_attempts: number
  created_by: number | null
  owner: string
}

export interface JobRow {
  id: number
  kind: string
  state: JobState
  attempt: number
  max_attempts: number
  phase: string | null
  message: string | null
  done: number | null
  total: number | null
  result: unknown
  error: string | null
  created_at: Date
  started_at: Date | null
  finished_at: Date | null
  created_by: number | null
}

export interface NewJob {
  kind: string
  payload?: Record<string, unknown>
  /** a scheduled slot: made once however many processes schedule it */
  dedupeKey?: string | null
  maxAttempts?: number
  createdBy?: number | null
  /** what the list shows before it starts (Chinese) */
  message?: string | null
}

export interface Progress {
  phase: string
  message: string
  done: number
  total: number
}

export class JobsRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  async enqueue(j: NewJob): Promise<{ id: number; created: boolean }> {
    const values = {
      kind: j.kind, dedupeKey: j.dedupeKey ?? null, payload: JSON.stringify(j.payload ?? {}),
      maxAttempts: j.maxAttempts ?? 3, createdBy: j.createdBy ?? null, message: j.message ?? null,
    }
    // Two processes scheduling one slot at the same moment: the second's insert waits for the
    // first's and skips, but its statement's snapshot predates that row; the next statement sees it.
    for (;;) {
      const r: { id: number; created: boolean } | null = await this.db.oneOrNone(Q.enqueue, values)
      if (r) return r
    }
  }

  /** The oldest free job of `kinds` claimed by this process; null when none is free. */
  claim(owner: string, kinds: readonly string[], leaseMs: number): Promise<Claim | null> {
    return this.claimOne(null, owner, kinds, leaseMs)
  }

  /** The queued job `id` (or one whose holder's lease ran out) claimed by this process; null when another holds it or it ended. */
  claimId(id: number, owner: string, kinds: readonly string[], leaseMs: number): Promise<Claim | null> {
    return this.claimOne(id, owner, kinds, leaseMs)
  }

  private async claimOne(id: number | null, owner: string, kinds: readonly string[], leaseMs: number): Promise<Claim | null> {
    const r = await this.db.oneOrNone(Q.claim, { id, owner, kinds: [...kinds], leaseMs })
    return r ? { ...r, owner } : null
  }

  /** A new job, claimed by this process as it is made (run at once by the caller). */
  async start(owner: string, j: NewJob, leaseMs: number): Promise<Claim> {
    const r = await this.db.one(Q.start, {
      owner, leaseMs, kind: j.kind, payload: JSON.stringify(j.payload ?? {}),
      maxAttempts: j.maxAttempts ?? 3, createdBy: j.createdBy ?? null, message: j.message ?? null,
    })
    return { ...r, owner }
  }

  /** Marks failed the jobs whose holder died at their last attempt; how many. */
  giveUp(message: string): Promise<number> {
    return this.db.one(Q.giveUp, { message }, (r: { n: number }) => r.n)
  }

  /** false: the claim is no longer ours (taken over, or ended). */
  async heartbeat(c: Claim, leaseMs: number): Promise<boolean> {
    return (await this.db.oneOrNone(Q.heartbeat, { id: c.id, owner: c.owner, attempt: c.attempt, leaseMs })) !== null
  }

  progress(c: Claim, p: Progress): Promise<null> {
    return this.db.none(Q.progress, { id: c.id, owner: c.owner, attempt: c.attempt, ...p })
  }

  /** Ends the claim (in the job's own transaction when `this` is one); false when it was not ours. */
  async finish(c: Claim, end: { state: 'done' | 'failed'; result?: unknown; error?: string | null; message?: string | null; last?: Progress }): Promise<boolean> {
    const r = await this.db.oneOrNone(Q.finish, {
      phase: end.last?.phase ?? null, done: end.last?.done ?? null, total: end.last?.total ?? null,
      id: c.id, owner: c.owner, attempt: c.attempt, state: end.state,
      result: end.result === undefined ? null : JSON.stringify(end.result), error: end.error ?? null, message: end.message ?? null,
    })
    return r !== null
  }

  /** Gives the claim back after an error (or fails it at its last attempt); the state it is left in, null when not ours. */
  async release(c: Claim, error: string, message: string): Promise<JobState | null> {
    const r = await this.db.oneOrNone(Q.release, { id: c.id, owner: c.owner, attempt: c.attempt, error, message })
    return r ? r.state : null
  }

  /** Deletes the jobs finished more than `days` ago (a slot every period adds up); how many. */
  prune(days: number): Promise<number> {
    return this.db.one(`WITH gone AS (DELETE FROM job WHERE finished_at < now() - make_interval(days => $1) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`, [days], (r: { n: number }) => r.n)
  }

  /** Marks failed, with `message`, the uploads left mid-way with no job to carry them on and
   * untouched for `graceMs`; how many. */
  failStuckUploads(graceMs: number, message: string): Promise<number> {
    return this.db.one(Q.failStuckUploads, { graceMs, message }, (r: { n: number }) => r.n)
  }

  /** The folders of received files an upload job not yet ended still reads (as its payload names them). */
  async uploadDirsInUse(): Promise<string[]> {
    return (await this.db.any<{ dir: string }>(Q.uploadDirsInUse)).map((r) => r.dir)
  }

  find(id: number, userId: number | null): Promise<JobRow | null> {
    return this.db.oneOrNone(Q.find, { id, userId })
  }

  list(userId: number | null, state: JobState | null, limit: number): Promise<JobRow[]> {
    return this.db.any(Q.list, { userId, state, limit })
  }
}
