/** The embedded database's "between two requests" lock (embedded.ts exclusiveBetweenRequests), which
 * the running server's backup copies its data folder under: it must run the task at the first quiet
 * moment outside any transaction, never in the middle of one, and never wait for ever. And the
 * in-process connection the server's pool uses (embedded.ts connection()), which shares the one
 * PGlite session with the socket's clients through the same queue. */
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

/** A node-postgres client on the in-process connection (embedded.ts connection()), as the server's pool has it. */
const inProcess = async () => {
  // the pinned pglite-socket has the queue the in-process connection uses: a version without it is a failure here
  const connection = embedded.connection
  expect(connection, 'pglite-socket without the message queue embedded.ts reaches into').not.toBeNull()
  const c = new pg.Client({ connectionString: embedded.url, stream: () => connection!() as never })
  await c.connect()
  return c
}

const TWICE = "SELECT $1::int * 2 AS n, format('%s!', $1::int) AS p"

describe('embedded: the in-process connection (the server pool, without the socket)', () => {
  it('answers simple, extended and named prepared queries, and an error leaves it usable', async () => {
    const a = await inProcess()
    try {
      expect((await a.query('SELECT 1 AS one; SELECT 2 AS two') as unknown as pg.QueryResult[]).map((r) => r.rows)).toEqual([[{ one: 1 }], [{ two: 2 }]])
      expect((await a.query('SELECT $1::int * 2 AS n', [21])).rows).toEqual([{ n: 42 }])
      for (let i = 0; i < 7; i++) {
        expect((await a.query({ name: 'twice', text: TWICE, values: [i] })).rows)
          .toEqual([{ n: 2 * i, p: `${i}!` }])
      }
      // an error in the middle of an extended request: PostgreSQL skips to its Sync, the client gets the error
      await expect(a.query('SELECT $1::int AS n', ['not a number'])).rejects.toThrow(/invalid input syntax for type integer/)
      await expect(a.query({ name: 'twice', text: TWICE, values: ['x'] })).rejects.toThrow(/invalid input syntax/)
      expect((await a.query({ name: 'twice', text: TWICE, values: [5] })).rows).toEqual([{ n: 10, p: '5!' }])
    } finally {
      await a.end()
    }
  })

  it('keeps its transaction to itself: a socket client waits for the commit and sees it whole', async () => {
    const a = await inProcess()
    const b = await client()
    try {
      await a.query('CREATE TABLE inproc_t (n int)')
      await a.query('BEGIN')
      await a.query('INSERT INTO inproc_t VALUES (1)')
      const read = b.query('SELECT count(*)::int AS n FROM inproc_t')
      expect((await within(read, 300)).settled).toBe(false)
      await a.query('INSERT INTO inproc_t VALUES (2)')
      await a.query('COMMIT')
      expect((await read).rows).toEqual([{ n: 2 }])
      // and the other way round
      await b.query('BEGIN')
      await b.query('INSERT INTO inproc_t VALUES (3)')
      const mine = a.query('SELECT count(*)::int AS n FROM inproc_t')
      expect((await within(mine, 300)).settled).toBe(false)
      await b.query('ROLLBACK')
      expect((await mine).rows).toEqual([{ n: 2 }])
    } finally {
      await a.end()
      await b.end()
    }
  })

  it('rolls back the transaction of a connection that goes away inside it', async () => {
    const a = await inProcess()
    await a.query('CREATE TABLE inproc_gone (n int)')
    await a.query('BEGIN')
    await a.query('INSERT INTO inproc_gone VALUES (1)')
    a.on('error', () => undefined)
    ;(a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
    const b = await client()
    try {
      expect((await within(b.query('SELECT count(*)::int AS n FROM inproc_gone'), 10_000))).toMatchObject({ settled: true, v: { rows: [{ n: 0 }] } })
      expect(embedded.pg.isInTransaction()).toBe(false)
    } finally {
      await b.end()
    }
  })

  it('lets an exclusive task in between its requests, never inside its transaction', async () => {
    const a = await inProcess()
    let stop = false
    let queries = 0
    const busy = (async () => {
      while (!stop) {
        await a.query({ name: 'busy-in', text: 'SELECT $1::int + 1 AS n', values: [queries] })
        queries++
      }
    })()
    try {
      while (queries < 5) await new Promise((r) => setTimeout(r, 5))
      expect(await within(embedded.exclusiveBetweenRequests(async () => embedded.pg.isInTransaction()), 10_000)).toEqual({ settled: true, v: false })
    } finally {
      stop = true
      await busy
    }
    try {
      await a.query('BEGIN')
      const task = embedded.exclusiveBetweenRequests(async () => embedded.pg.isInTransaction())
      expect((await within(task, 300)).settled).toBe(false)
      await a.query('COMMIT')
      expect(await within(task, 10_000)).toEqual({ settled: true, v: false })
    } finally {
      await a.end()
    }
  })
})
