/** The job runner on the embedded database (PGlite, one connection, which `npm start` uses by
 * default): the same job table, one process. A job holds the one connection for its transaction,
 * so its heartbeat and progress writes wait for it and never block it; the job commits whole, and
 * a heartbeat that runs after it is no lease lost. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../db/connect'
import { budget } from '../test/budget'
import { JobQueue } from './queue'

let dir: string
let embedded: Database
const quiet = () => undefined
/** what the runner warned of and logged as errors */
const said: string[] = []
const record = (_o: unknown, msg: string) => { said.push(msg) }
const log = { info: quiet, error: record, warn: record, debug: quiet, trace: quiet, fatal: quiet, child: () => log } as unknown as FastifyBaseLogger

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-pglite-jobs-'))
  embedded = await openDatabase({ databaseUrl: null, dataDir: dir })
}, budget(60_000)) // an embedded database made and migrated: ~40 s on an idle machine
afterAll(async () => {
  await embedded?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('jobs on the embedded database', () => {
  it('a job with progress and heartbeats commits whole over the single connection', async () => {
    await embedded.db.none('CREATE TABLE job_embedded_row (n int)')
    const q = new JobQueue(embedded.db, { leaseMs: 150, pollMs: 20, log })
    q.register('fill', async ({ t, progress }) => {
      for (let n = 1; n <= 5; n++) {
        await t.none('INSERT INTO job_embedded_row VALUES ($1)', [n])
        progress({ phase: 'fill', message: `已写入 ${n} / 5`, done: n, total: 5 })
        // long enough for heartbeats to be due while the transaction holds the connection
        await t.any('SELECT pg_sleep(0.1)')
      }
      return { rows: 5 }
    })
    const { id } = await q.enqueue({ kind: 'fill' })
    expect(await q.runOne()).toBe(true)
    expect(await embedded.db.one('SELECT state, attempt, done, total, result FROM job WHERE id = $1', [id]))
      .toEqual({ state: 'done', attempt: 1, done: 5, total: 5, result: { rows: 5 } })
    expect((await embedded.db.one('SELECT count(*)::int AS n FROM job_embedded_row')).n).toBe(5)
    // the heartbeats due during the transaction ran after it, when the job was done: no lease is
    // lost then, and the runner must not say another process took the job over (it did, falsely,
    // during the embedded bench's chunked commits)
    await new Promise((r) => setTimeout(r, 200))
    expect(said).toEqual([])
  }, budget(5_000))
})
