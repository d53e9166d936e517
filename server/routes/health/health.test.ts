/** Liveness answers from the process while a long write holds the database; readiness says busy. */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, type App } from '../../app'
import { loadConfig } from '../../config'
import { openDatabase, type Database } from '../../db/connect'
import { fileOrder } from '../../db/migrate'
import { createTestDatabase, type TestDatabase } from '../../test/db'
import { checkResponses } from '../../test/response-schemas'

const LAST_MIGRATION = fs.readdirSync(path.resolve(__dirname, '../../../sql/migrations')).filter((f) => f.endsWith('.sql')).sort(fileOrder).at(-1)

const pause = () => new Promise((r) => setTimeout(r, 10))

let server: TestDatabase
let single: Database
let app: App

beforeAll(async () => {
  server = await createTestDatabase()
  // One connection, as the embedded PGlite has: a transaction holding it holds every query.
  single = await openDatabase({ databaseUrl: server.url, dataDir: '', poolSize: 1 })
  // the job runner (server/jobs/queue.ts) claims once as the app starts, then every 10 min here
  // instead of every 5 s: this test holds the one connection itself and reads when it is free
  app = await buildApp({
    config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off', ONEMAP_JOB_POLL_SECONDS: '600' }),
    database: single,
  })
  checkResponses(app)
  // until the runner's first claim has given the connection back
  const pool = single.db.$pool
  while (pool.totalCount > pool.idleCount || pool.waitingCount > 0) await new Promise((r) => setTimeout(r, 10))
})
afterAll(async () => {
  await app?.close()
  await single?.close()
  await server?.drop()
})

describe('health while a long write holds the one connection', () => {
  it('liveness answers from the process and says the database is busy; readiness says 503 busy, then ready once the write is done', async () => {
    // The app's own start-up work (the job runner's first look for work, the tile cache's read of
    // the event log, each a moment on the one connection) may hold it when the test begins: until
    // it lets go, liveness rightly says busy and readiness 503.
    let idle = await app.inject('/api/health')
    while (idle.json().database.busy) idle = await pause().then(() => app.inject('/api/health'))
    expect(idle.statusCode).toBe(200)
    expect(idle.json()).toMatchObject({ status: 'ok', database: { mode: 'server', busy: false, waiting: 0 } })
    let readyIdle = await app.inject('/api/health/ready')
    while (readyIdle.statusCode === 503) readyIdle = await pause().then(() => app.inject('/api/health/ready'))
    expect(readyIdle.json()).toMatchObject({ status: 'ready' })

    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    let holding!: () => void
    const held = new Promise<void>((resolve) => { holding = resolve })
    // a long write: a transaction that keeps the connection until the gate opens
    const write = single.db.tx(async (t) => {
      await t.none('CREATE TEMP TABLE hold_it (x int) ON COMMIT DROP')
      holding()
      await gate
      await t.none('INSERT INTO hold_it VALUES (1)')
    })
    await held
    // The write is released only after these answers: were they to wait for the database, the test would hang, never pass.
    const live = await app.inject('/api/health')
    expect(live.statusCode).toBe(200)
    // the schema version and the backup state come from memory and the backup folder, not a query
    expect(live.json()).toMatchObject({
      status: 'ok', database: { busy: true }, schemaVersion: LAST_MIGRATION, backup: { state: expect.stringMatching(/^(ok|none|missed|failed)$/) },
    })
    const ready = await app.inject('/api/health/ready')
    expect(ready.statusCode).toBe(503)
    expect(ready.headers['retry-after']).toBe('1')
    expect(ready.json()).toMatchObject({ status: 'busy', database: { busy: true } })
    release()
    await write
    let after = await app.inject('/api/health/ready')
    // (the tile cache's read of the event log, every second, may take the connection a moment)
    while (after.statusCode === 503) after = await pause().then(() => app.inject('/api/health/ready'))
    expect(after.statusCode).toBe(200)
    expect(after.json()).toMatchObject({ status: 'ready', database: { busy: false } })
  })
})
