/** The embedded database's "between two requests" lock (embedded.ts exclusiveBetweenRequests), which
 * the running server's backup copies its data folder under: it must run the task at the first quiet
 * moment outside any transaction, never in the middle of one, and never wait for ever. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { budget } from '../test/budget'
import { type EmbeddedPostgis, startEmbedded } from './embedded'

let embedded: EmbeddedPostgis
let dir: string

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-exclusive-'))
  embedded = await startEmbedded(path.join(dir, 'data'), 'test')
}, budget(20_000)) // a first PGlite + PostGIS start: ~8 s on an idle machine

afterAll(async () => {
  await embedded?.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

const client = async () => {
  const c = new pg.Client({ connectionString: embedded.url })
  await c.connect()
  return c
}

/** Settles within `ms` or says it did not: a hang shows as a failed expectation, not a test timeout. */
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then((v) => ({ settled: true as const, v })), new Promise<{ settled: false }>((r) => setTimeout(() => r({ settled: false }), ms))])

describe('embedded: exclusive task between two requests', () => {
  it('waits while a client is inside a transaction, runs once it commits, and sees no transaction', async () => {
    const a = await client()
    try {
      await a.query('BEGIN')
      await a.query('SELECT 1')
      let sawTransaction: boolean | null = null
      const task = embedded.exclusiveBetweenRequests(async () => {
        sawTransaction = embedded.pg.isInTransaction()
        return 'ran'
      })
      expect((await within(task, 300)).settled).toBe(false)
      await a.query('COMMIT')
      const done = await within(task, 10_000)
      expect(done).toEqual({ settled: true, v: 'ran' })
      expect(sawTransaction).toBe(false)
    } finally {
      await a.end()
    }
  })

  it('runs when a client that held a transaction goes away (the socket rolls it back without a message)', async () => {
    const a = await client()
    await a.query('BEGIN')
    await a.query('SELECT 1')
    const task = embedded.exclusiveBetweenRequests(async () => 'ran')
    expect((await within(task, 300)).settled).toBe(false)
    // the connection dies mid-transaction: pglite-socket rolls back through PGlite directly, so no
    // client message passes the tracked path afterwards
    a.on('error', () => undefined)
    ;(a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
    expect(await within(task, 10_000)).toEqual({ settled: true, v: 'ran' })
    const b = await client()
    try {
      expect((await b.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    } finally {
      await b.end()
    }
  })

  it('gives up with a clear error when a transaction stays open, and the database stays usable', async () => {
    const a = await client()
    try {
      await a.query('BEGIN')
      await a.query('SELECT 1')
      const task = embedded.exclusiveBetweenRequests(async () => 'ran', { giveUpMs: 500 })
      await expect(task).rejects.toThrow(/stayed inside a request for 0.5 s .*in a transaction: true/)
      await a.query('COMMIT')
      // nothing is left waiting: the next task runs
      expect(await within(embedded.exclusiveBetweenRequests(async () => 'next'), 10_000)).toEqual({ settled: true, v: 'next' })
    } finally {
      await a.end()
    }
  })

  it('slips in between the extended-protocol requests of a busy client', async () => {
    const a = await client()
    let stop = false
    let queries = 0
    const busy = (async () => {
      while (!stop) {
        // named prepared statement: Bind/Execute/Sync on every call after the first
        await a.query({ name: 'busy', text: 'SELECT $1::int + 1 AS n', values: [queries] })
        queries++
      }
    })()
    try {
      while (queries < 5) await new Promise((r) => setTimeout(r, 5))
      const ran = await within(embedded.exclusiveBetweenRequests(async () => embedded.pg.isInTransaction()), 10_000)
      expect(ran).toEqual({ settled: true, v: false })
    } finally {
      stop = true
      await busy
      await a.end()
    }
    expect(queries).toBeGreaterThan(5)
  })
})
