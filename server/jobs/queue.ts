/** The one job runner of a process over the job table (sql/migrations/990_job.sql), the same in
 * every process and in the embedded database: scheduled jobs (every process schedules the same
 * slot; one row is made) and queued ones are claimed FOR UPDATE SKIP LOCKED, so that one process
 * runs each, under a lease this process renews while it works. A process that dies stops renewing;
 * when the lease has run out another process claims the job and runs it again from the start. The
 * work runs in one transaction with the row's 'done', fenced by (owner, attempt): a job is applied
 * whole or not at all, and a process that lost its claim (frozen past its lease) commits nothing.
 * One job at a time per process: the cores are better spent on one job than on two fighting. A
 * request may run the job it asked for itself (runNow: a foreground upload commit) under the same
 * lease and fence. */
import crypto from 'node:crypto'
import os from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import type { ITask } from 'pg-promise'
import type { Db, Repos } from '../db/pgp'
import type { Claim, NewJob, Progress } from '../db/repos/jobs'
import { publish, subscribe } from '../events'

export type JobTx = ITask<Repos> & Repos

export interface JobContext {
  /** the job's own transaction: what the job writes commits with its 'done' or not at all */
  t: JobTx
  payload: Record<string, unknown>
  claim: Claim
  /** Records progress where every process reads it; never waits (the latest value wins). */
  progress(p: Progress): void
  /** Runs `fn` here once this run has ended the job for good (done, committed; or failed), never
   * when it is given back or taken over: e.g. removing a file only the job still needed. */
  onEnd(fn: () => Promise<unknown>): void
}

/** Returns the job's result (small JSON) or throws: a JobFailure fails it for good, any other
 * error gives it back to the queue for another attempt (at most max_attempts). */
export type JobHandler = (ctx: JobContext) => Promise<unknown>

/** An error the job cannot get past by running again (bad input): the job fails at once, with
 * `detail` (small JSON) kept as the row's result for whoever reads the outcome. */
export class JobFailure extends Error {
  constructor(message: string, readonly detail?: unknown) {
    super(message)
  }
}

/** How one run of a job ended: done (its result), failed (for good), retry (given back to the
 * queue), lost (its lease was taken over: another process runs it now). */
export type JobOutcome = { state: 'done'; result: unknown } | { state: 'failed' | 'retry'; error: unknown } | { state: 'lost' }

class LeaseLost extends Error {}

export const JOB_MESSAGES = {
  queued: '排队等待',
  running: '正在运行',
  done: '已完成',
  retry: '运行出错，稍后重试',
  failed: '运行失败',
  abandoned: '运行任务的进程多次中断，任务已放弃',
} as const

export interface JobQueueOptions {
  /** how long a claim holds without renewal; renewed every third of it */
  leaseMs: number
  /** how often an idle runner looks for work (LISTEN/NOTIFY wakes it sooner) */
  pollMs: number
  log: FastifyBaseLogger
  /** names this process in the job rows (host:pid:random by default) */
  owner?: string
  /** after a job's transaction has committed (done): e.g. its starter's read fence moves past it */
  onCommitted?: (claim: Claim) => Promise<unknown>
}

export class JobQueue {
  readonly owner: string
  private readonly handlers = new Map<string, JobHandler>()
  private readonly live = new Map<number, Progress>()
  private loop: Promise<void> | null = null
  private stopped = true
  private wakeUp: (() => void) | null = null
  private woken = false
  private current: Promise<unknown> | null = null
  private readonly beats = new Set<NodeJS.Timeout>()
  private readonly chores: { name: string; everyMs: number; run: () => Promise<unknown>; dueAt: number }[] = []

  constructor(private readonly db: Db, private readonly o: JobQueueOptions) {
    this.owner = o.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`
  }

  /** One handler per kind; a process runs only the kinds it registered. */
  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`job kind ${kind} registered twice`)
    this.handlers.set(kind, handler)
  }

  /** Housekeeping on this process's job loop: `run` when the loop starts, then every `everyMs`,
   * between jobs (never beside one). An error is logged and the chore runs again at its next turn. */
  chore(name: string, everyMs: number, run: () => Promise<unknown>): void {
    if (this.chores.some((c) => c.name === name)) throw new Error(`chore ${name} registered twice`)
    this.chores.push({ name, everyMs, run, dueAt: 0 })
  }

  private async runChores(): Promise<void> {
    for (const c of this.chores) {
      if (this.stopped || c.dueAt > Date.now()) continue
      c.dueAt = Date.now() + c.everyMs
      try {
        const result = await c.run()
        this.o.log.debug({ chore: c.name, result }, 'job-loop chore done')
      } catch (err) {
        this.o.log.error({ err, chore: c.name }, 'job-loop chore failed; it runs again at its next turn')
      }
    }
  }

  get kinds(): string[] {
    return [...this.handlers.keys()]
  }

  async enqueue(job: NewJob): Promise<{ id: number; created: boolean }> {
    const r = await this.db.jobs.enqueue({ message: JOB_MESSAGES.queued, ...job })
    // every runner of this process and, through server/signals.ts, of the others looks now
    if (r.created) publish({ kind: 'job-queued' })
    else this.wake()
    return { id: Number(r.id), created: r.created }
  }

  /** Schedules `kind` for the period that holds `now` (slots of periodMs from the epoch): every
   * process's timer schedules the same slot, and one row is made. */
  schedule(kind: string, periodMs: number, now = Date.now(), payload: Record<string, unknown> = {}): Promise<{ id: number; created: boolean }> {
    const slot = new Date(Math.floor(now / periodMs) * periodMs).toISOString()
    return this.enqueue({ kind, payload, dedupeKey: `${kind}@${slot}` })
  }

  /** Runs `job` here and now, as the request that asked for it waits (a foreground upload
   * commit): the row is made already claimed by this process, so it is in the table with its
   * lease from the start, and if this process dies another takes it over like any other job.
   * Resolves to the job's result or throws the handler's error. */
  async runNow(job: NewJob): Promise<unknown> {
    if (!this.handlers.has(job.kind)) throw new Error(`job kind ${job.kind} is not registered`)
    const claim = await this.db.jobs.start(this.owner, { message: JOB_MESSAGES.running, ...job }, this.o.leaseMs)
    claim.id = Number(claim.id)
    return this.settle(claim.id, await this.execute(claim))
  }

  /** Runs the queued job `id` here if no process holds it yet; else waits for its end. Its result,
   * or throws its error. */
  async runById(id: number): Promise<unknown> {
    const claim = await this.db.jobs.claimId(id, this.owner, this.kinds, this.o.leaseMs)
    if (!claim) return this.settle(id, { state: 'lost' })
    claim.id = Number(claim.id)
    return this.settle(id, await this.execute(claim))
  }

  private async settle(id: number, outcome: JobOutcome): Promise<unknown> {
    if (outcome.state === 'done') return outcome.result
    if (outcome.state === 'failed') throw outcome.error
    // another process runs it (or will, after an error that may pass): its end is in the row
    for (;;) {
      const row = await this.db.jobs.find(id, null)
      if (!row) throw new Error(`job ${id} is gone`)
      if (row.state === 'done') return row.result
      if (row.state === 'failed') throw new JobFailure(row.error ?? JOB_MESSAGES.failed, row.result)
      await new Promise((r) => setTimeout(r, Math.min(250, this.o.pollMs)))
    }
  }

  /** Progress of a job this process runs now (the embedded database's single connection is held
   * by the job itself, so its row is written after); undefined otherwise. */
  progress(id: number): Progress | undefined {
    return this.live.get(id)
  }

  /** Looks for work at once (a job was queued, here or, through LISTEN/NOTIFY, elsewhere). */
  wake(): void {
    this.woken = true
    this.wakeUp?.()
  }

  private unsubscribe: (() => void) | null = null

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.unsubscribe = subscribe((m) => { if (m.kind === 'job-queued') this.wake() })
    this.loop = this.run()
  }

  /** Stops claiming and waits for the job running now. */
  async stop(): Promise<void> {
    this.stopped = true
    this.unsubscribe?.()
    this.unsubscribe = null
    this.wake()
    await this.loop
    this.loop = null
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.runChores()
      let ran = false
      try {
        ran = await this.runOne()
      } catch (err) {
        this.o.log.error({ err }, 'job claim failed; trying again')
      }
      if (ran || this.stopped) continue
      if (this.woken) {
        this.woken = false
        continue
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.o.pollMs)
        this.wakeUp = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wakeUp = null
      this.woken = false
    }
  }

  /** Claims one job and runs it; false when none was free. */
  async runOne(): Promise<boolean> {
    if (!this.handlers.size) return false
    const gaveUp = await this.db.jobs.giveUp(JOB_MESSAGES.abandoned)
    if (gaveUp) this.o.log.warn({ jobs: gaveUp }, 'jobs whose process died at their last attempt marked failed')
    const claim = await this.db.jobs.claim(this.owner, this.kinds, this.o.leaseMs)
    if (!claim) return false
    claim.id = Number(claim.id)
    const p = this.execute(claim)
    this.current = p
    try {
      await p
    } finally {
      this.current = null
    }
    return true
  }

  private async execute(claim: Claim): Promise<JobOutcome> {
    const handler = this.handlers.get(claim.kind)!
    const log = this.o.log
    // On the embedded database a heartbeat waits for the job's own transaction (one session) and
    // may run after the job has ended, when no lease is left to renew: only a renewal refused
    // while the job still runs means another process took it over.
    let ended = false
    const beat = setInterval(() => {
      this.db.jobs.heartbeat(claim, this.o.leaseMs).then(
        (held) => { if (!held && !ended) log.warn({ job: claim.id }, 'job lease lost: another process took it over') },
        (err) => log.error({ err, job: claim.id }, 'job heartbeat failed'),
      )
    }, Math.max(10, Math.floor(this.o.leaseMs / 3)))
    beat.unref()
    this.beats.add(beat)
    // progress: one write in flight, the latest value after it
    let writing = false
    let next: Progress | null = null
    const write = () => {
      if (writing || !next) return
      const p = next
      next = null
      writing = true
      this.db.jobs.progress(claim, p).catch((err) => log.error({ err, job: claim.id }, 'job progress not recorded'))
        .finally(() => { writing = false; write() })
    }
    const progress = (p: Progress) => {
      this.live.set(claim.id, p)
      next = p
      write()
    }
    progress({ phase: 'running', message: JOB_MESSAGES.running, done: 0, total: 0 })
    const ends: (() => Promise<unknown>)[] = []
    const afterEnd = async () => {
      for (const fn of ends) await fn().catch((err) => log.error({ err, job: claim.id }, 'end step of a job failed'))
    }
    try {
      const result = await this.db.tx(`job:${claim.kind}`, async (t) => {
        const result = await handler({ t: t as JobTx, payload: claim.payload, claim, progress, onEnd: (fn) => { ends.push(fn) } })
        if (!(await (t as JobTx).jobs.finish(claim, { state: 'done', result: result ?? null, message: JOB_MESSAGES.done, last: this.live.get(claim.id) }))) throw new LeaseLost()
        return result ?? null
      }).finally(() => { ended = true })
      log.info({ job: claim.id, kind: claim.kind, attempt: claim.attempt }, 'job done')
      await afterEnd()
      await this.o.onCommitted?.(claim).catch((err) => log.error({ err, job: claim.id }, 'after-commit step of a job failed'))
      return { state: 'done', result }
    } catch (err) {
      if (err instanceof LeaseLost) {
        log.warn({ job: claim.id, kind: claim.kind }, 'job rolled back: its lease had been taken over')
        return { state: 'lost' }
      } else if (err instanceof JobFailure) {
        await this.db.jobs.finish(claim, {
          state: 'failed', error: err.message, message: `${JOB_MESSAGES.failed}：${err.message}`, last: this.live.get(claim.id),
          ...(err.detail === undefined ? {} : { result: err.detail }),
        }).catch((e) => log.error({ err: e, job: claim.id }, 'job failure not recorded'))
        log.warn({ job: claim.id, kind: claim.kind, reason: err.message }, 'job failed')
        await afterEnd()
        return { state: 'failed', error: err }
      } else {
        const state = await this.db.jobs.release(claim, (err as Error).message, JOB_MESSAGES.retry).catch(() => null)
        log.error({ err, job: claim.id, kind: claim.kind, left: state }, 'job failed; given back to the queue')
        if (state === 'failed') await afterEnd()
        return state === 'failed' ? { state: 'failed', error: err } : { state: 'retry', error: err }
      }
    } finally {
      clearInterval(beat)
      this.beats.delete(beat)
      this.live.delete(claim.id)
    }
  }

  /** For tests that play a process dying: stops renewing every held lease, at once. */
  freeze(): void {
    this.stopped = true
    for (const b of this.beats) clearInterval(b)
    this.beats.clear()
    this.wake()
  }
}
