/** The job runner against a real PostgreSQL, two runners on one database as two processes would be
 * (each its own pool): a scheduled slot runs once; a runner killed mid-job (its connections cut, its
 * lease left to run out) is taken over and the other finishes the job from the start; a runner
 * frozen past its lease cannot commit after the other took over; the data is never half-written. */
import type { FastifyBaseLogger } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgp, type Db } from '../db/pgp'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { budget } from '../test/budget'
import { JobFailure, JobQueue, type JobHandler } from './queue'

let t: TestDatabase
const quiet = () => undefined
const log = { info: quiet, error: quiet, warn: quiet, debug: quiet, trace: quiet, fatal: quiet, child: () => log } as unknown as FastifyBaseLogger
const pools: Db[] = []

/** A pool of its own, as another process would have, named so that its backends can be cut. */
function poolAs(name: string): Db {
  const db = pgp({ connectionString: t.url, max: 4, application_name: name }) as Db
  pools.push(db)
  return db
}

beforeAll(async () => {
  t = await createTestDatabase()
  await t.db.none('CREATE TABLE job_test_row (job bigint, attempt int, n int, runner text)')
})
afterAll(async () => {
  for (const p of pools) await p.$pool.end()
  await t.drop()
})

/** Polls the database until `what` holds: the tests wait for states, never for a time. */
async function until(what: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await what()) return
    await new Promise((r) => setTimeout(r, 25))
  }
}

const jobRow = (id: number) => t.db.one('SELECT * FROM job WHERE id = $1', [id])

/** Writes `total` rows one by one in the job's transaction, reporting each; waits on `gate` before row `stopAt`. */
function writer(runner: string, total: number, gate?: { at: number; open: Promise<void> }): JobHandler {
  return async ({ t: tx, claim, progress }) => {
    for (let n = 1; n <= total; n++) {
      if (gate && n === gate.at) await gate.open
      await tx.none('INSERT INTO job_test_row VALUES ($1, $2, $3, $4)', [claim.id, claim.attempt, n, runner])
      progress({ phase: 'writing', message: `已写入 ${n} / ${total}`, done: n, total })
    }
    return { rows: total, runner }
  }
}

describe('jobs across processes', () => {
  it('a scheduled slot runs once with two runners, and the next slot once more', async () => {
    let runs = 0
    const count: JobHandler = async ({ t: tx }) => {
      runs++
      await tx.none("INSERT INTO job_test_row VALUES (0, 0, 0, 'tick')")
      return { ok: true }
    }
    const a = new JobQueue(poolAs('runner-a1'), { leaseMs: 5_000, pollMs: 20, log })
    const b = new JobQueue(poolAs('runner-b1'), { leaseMs: 5_000, pollMs: 20, log })
    a.register('tick', count)
    b.register('tick', count)
    a.start()
    b.start()
    try {
      const period = 60_000
      const now = Date.UTC(2026, 11, 7, 12, 0, 30)
      // both processes' timers fire within the same period
      const [sa, sb] = await Promise.all([a.schedule('tick', period, now), b.schedule('tick', period, now + 20_000)])
      expect(sa.id).toBe(sb.id)
      expect([sa.created, sb.created].sort()).toEqual([false, true])
      await until(async () => (await jobRow(sa.id)).state === 'done')
      const next = await b.schedule('tick', period, now + period)
      expect(next.created).toBe(true)
      await until(async () => (await jobRow(next.id)).state === 'done')
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
    expect(runs).toBe(2)
    expect((await t.db.one("SELECT count(*)::int AS n FROM job_test_row WHERE runner = 'tick'")).n).toBe(2)
    expect((await t.db.one("SELECT count(*)::int AS n FROM job WHERE kind = 'tick'")).n).toBe(2)
  }, budget(3_000))

  it('a runner killed mid-job: its lease runs out, the other runs the job from the start and finishes it whole', async () => {
    let open!: () => void
    const gate = { at: 3, open: new Promise<void>((r) => { open = r }) }
    const dbA = poolAs('runner-a2')
    const a = new JobQueue(dbA, { leaseMs: 600, pollMs: 20, log, owner: 'process-a' })
    const b = new JobQueue(poolAs('runner-b2'), { leaseMs: 600, pollMs: 20, log, owner: 'process-b' })
    a.register('write', writer('a', 5, gate))
    b.register('write', writer('b', 5))
    const { id } = await a.enqueue({ kind: 'write', payload: {} })
    a.start()
    // A's progress is read from another connection: any process sees it
    await until(async () => (await jobRow(id)).done === 2)
    expect(await jobRow(id)).toMatchObject({ state: 'running', owner: 'process-a', attempt: 1, phase: 'writing', message: '已写入 2 / 5', total: 5 })
    // A dies: its heartbeats stop and its connections are gone (the open transaction rolls back)
    a.freeze()
    await t.db.any("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'runner-a2'")
    expect((await t.db.one('SELECT count(*)::int AS n FROM job_test_row WHERE job = $1', [id])).n).toBe(0)
    b.start()
    try {
      await until(async () => (await jobRow(id)).state === 'done')
    } finally {
      await b.stop()
      open()
      await a.stop().catch(() => undefined)
    }
    const row = await jobRow(id)
    expect(row).toMatchObject({ state: 'done', attempt: 2, owner: null, done: 5, total: 5, result: { rows: 5, runner: 'b' } })
    const rows = await t.db.any('SELECT attempt, n, runner FROM job_test_row WHERE job = $1 ORDER BY n', [id])
    expect(rows).toEqual([1, 2, 3, 4, 5].map((n) => ({ attempt: 2, n, runner: 'b' })))
  }, budget(5_000))

  it('a runner frozen past its lease commits nothing after the other took the job over', async () => {
    let open!: () => void
    const gate = { at: 3, open: new Promise<void>((r) => { open = r }) }
    const a = new JobQueue(poolAs('runner-a3'), { leaseMs: 600, pollMs: 20, log, owner: 'process-a' })
    const b = new JobQueue(poolAs('runner-b3'), { leaseMs: 600, pollMs: 20, log, owner: 'process-b' })
    a.register('write', writer('a', 5, gate))
    b.register('write', writer('b', 5))
    const { id } = await a.enqueue({ kind: 'write', payload: {} })
    a.start()
    await until(async () => (await jobRow(id)).done === 2)
    a.freeze() // a long pause (a stopped VM, a GC storm): no heartbeat, the transaction still open
    b.start()
    try {
      await until(async () => (await jobRow(id)).state === 'done')
    } finally {
      await b.stop()
    }
    // A wakes up and writes its last rows, then finds the claim is no longer its own: all rolled back
    open()
    await a.stop()
    const row = await jobRow(id)
    expect(row).toMatchObject({ state: 'done', attempt: 2, result: { rows: 5, runner: 'b' } })
    const rows = await t.db.any('SELECT attempt, runner, count(*)::int AS n FROM job_test_row WHERE job = $1 GROUP BY 1, 2', [id])
    expect(rows).toEqual([{ attempt: 2, runner: 'b', n: 5 }])
  }, budget(5_000))

  it('an error gives the job back for another attempt; a JobFailure fails it at once; a dead process at the last attempt fails it', async () => {
    let calls = 0
    const q = new JobQueue(poolAs('runner-c'), { leaseMs: 5_000, pollMs: 20, log })
    q.register('flaky', async ({ t: tx, claim }) => {
      calls++
      await tx.none("INSERT INTO job_test_row VALUES ($1, $2, 0, 'flaky')", [claim.id, claim.attempt])
      if (claim.attempt < 2) throw new Error('connection reset')
      return { attempt: claim.attempt }
    })
    q.register('bad', async () => { throw new JobFailure('文件无法读取') })
    const flaky = await q.enqueue({ kind: 'flaky' })
    const bad = await q.enqueue({ kind: 'bad' })
    while (await q.runOne()) { /* until nothing is left */ }
    expect(calls).toBe(2)
    expect(await jobRow(flaky.id)).toMatchObject({ state: 'done', attempt: 2, result: { attempt: 2 } })
    // the failed attempt's row was rolled back with it
    expect(await t.db.any("SELECT attempt FROM job_test_row WHERE runner = 'flaky'")).toEqual([{ attempt: 2 }])
    expect(await jobRow(bad.id)).toMatchObject({ state: 'failed', attempt: 1, error: '文件无法读取', message: '运行失败：文件无法读取' })

    // a job whose process died at its last attempt: nobody runs it again, it is marked failed
    const last = await q.enqueue({ kind: 'flaky', maxAttempts: 1 })
    await t.db.none("UPDATE job SET state = 'running', attempt = 1, owner = 'dead', lease_until = now() - interval '1 s' WHERE id = $1", [last.id])
    expect(await q.runOne()).toBe(false)
    expect(await jobRow(last.id)).toMatchObject({ state: 'failed', message: '运行任务的进程多次中断，任务已放弃', owner: null })

    // finished jobs past the keeping time are pruned; open and recent ones stay
    await t.db.none("UPDATE job SET finished_at = now() - interval '31 days' WHERE id = $1", [bad.id])
    expect(await t.db.jobs.prune(30)).toBe(1)
    expect(await t.db.oneOrNone('SELECT id FROM job WHERE id = $1', [bad.id])).toBeNull()
    expect((await jobRow(flaky.id)).state).toBe('done')
  }, budget(3_000))

  it('a job named by its id is claimed before older ones, once, and only when free and of a kind the runner runs', async () => {
    const q = new JobQueue(poolAs('runner-d'), { leaseMs: 5_000, pollMs: 20, log })
    q.register('named', async ({ claim }) => ({ ran: claim.id }))
    const older = await q.enqueue({ kind: 'named' })
    const named = await q.enqueue({ kind: 'named' })
    expect(await q.runById(named.id)).toEqual({ ran: named.id })
    expect(await jobRow(older.id)).toMatchObject({ state: 'queued', attempt: 0 })
    // ended: not claimed again, its result read from the row
    expect(await t.db.jobs.claimId(named.id, 'other', ['named'], 5_000)).toBeNull()
    // held by a live process, or of a kind this runner does not run: not claimed
    expect(await t.db.jobs.claimId(older.id, 'elsewhere', ['named'], 60_000)).toMatchObject({ id: older.id, attempt: 1, owner: 'elsewhere' })
    expect(await t.db.jobs.claimId(older.id, 'other', ['named'], 5_000)).toBeNull()
    const foreign = await q.enqueue({ kind: 'not-mine' })
    expect(await t.db.jobs.claimId(foreign.id, 'other', ['named'], 5_000)).toBeNull()
    // the oldest free one, without an id
    expect(await t.db.jobs.claim('other', ['named', 'not-mine'], 5_000)).toMatchObject({ id: foreign.id, kind: 'not-mine' })
  }, budget(3_000))

  it('a chore runs when the loop starts, then at its period; one that throws does not stop the loop', async () => {
    const q = new JobQueue(poolAs('runner-e'), { leaseMs: 5_000, pollMs: 20, log })
    let often = 0
    let hourly = 0
    q.chore('hourly', 3_600_000, async () => { hourly++ })
    q.chore('often', 0, async () => { often++ })
    q.chore('broken', 0, async () => { throw new Error('disk gone') })
    q.register('noop', async () => null)
    q.start()
    try {
      await until(async () => often >= 3)
    } finally {
      await q.stop()
    }
    expect(hourly).toBe(1)
    expect(() => q.chore('often', 0, async () => undefined)).toThrow(/twice/)
  }, budget(3_000))
})
