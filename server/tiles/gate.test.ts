/** The limit on uncached tile queries (TileService maxQueries, server/tiles/gate.ts): never more
 * than the limit run in the database at once, the others wait their turn in the order asked, and
 * every one is answered with the tile an unlimited service gives. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { insertMapFixture, FIXTURE_TILE } from '../test/tiles-fixture'
import { until } from '../test/until'
import { budget } from '../test/budget'
import { Gate } from './gate'
import { TileService, type TileResult } from './service'
import { findLayer } from './layers'
import type { TileAddress } from './tile-math'

describe('a gate', () => {
  it('runs at most its limit at once and the others in the order asked', async () => {
    const gate = new Gate(2)
    const started: number[] = []
    const finish: (() => void)[] = []
    const done = Array.from({ length: 5 }, (_, i) => gate.run(() => new Promise<number>((resolve) => {
      started.push(i)
      finish[i] = () => resolve(i)
    })))
    await Promise.resolve()
    expect(started).toEqual([0, 1])
    expect([gate.active, gate.queued]).toEqual([2, 3])
    finish[1]!()
    await until('task 2 started', async () => started.length === 3)
    expect(started).toEqual([0, 1, 2])
    finish[0]!()
    finish[2]!()
    await until('tasks 3 and 4 started', async () => started.length === 5)
    expect(started).toEqual([0, 1, 2, 3, 4])
    expect([gate.active, gate.queued]).toEqual([2, 0])
    finish[3]!()
    finish[4]!()
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4])
    expect([gate.active, gate.queued, gate.peak]).toEqual([0, 0, 2])
  })

  it('passes a failure on and lets the next one through', async () => {
    const gate = new Gate(1)
    const failed = gate.run(() => Promise.reject(new Error('no tile')))
    const next = gate.run(async () => 'next')
    await expect(failed).rejects.toThrow('no tile')
    expect(await next).toBe('next')
    expect([gate.active, gate.queued]).toEqual([0, 0])
  })

  it('refuses a limit below one', () => {
    expect(() => new Gate(0)).toThrow(/at least one/)
  })
})

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
  await insertMapFixture(t.db)
}, budget(60_000))
afterAll(async () => t?.drop())

describe('uncached tile queries under a limit', () => {
  const caller = { role: 'analyst' as const, scope: null, user: null }
  /** The nine tiles of a view around the fixture at zoom z, each asked once (no cache: every one is a query). */
  const view = (z: number): TileAddress[] => {
    const c = { x: FIXTURE_TILE.x >> (FIXTURE_TILE.z - z), y: FIXTURE_TILE.y >> (FIXTURE_TILE.z - z) }
    return [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => ({ z, x: c.x + dx, y: c.y + dy })))
  }
  /** Queries waiting for a lock: only the tile queries read the locked parcel table here. */
  const queries = () => t.db.one(`SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type = 'Lock'`, [], (r: { n: number }) => r.n)

  /** Asks for `tiles` from both services: the unlimited one first, then the limited one while the
   * parcel table is locked (the tile queries that reach the database wait there, in sight) until
   * `waiting` tile queries wait in the database, when `check` runs; then the lock goes. */
  async function underLock(tiles: TileAddress[], waiting: number, check: (gate: Gate) => Promise<void>) {
    const layer = findLayer('parcels')!
    const free = await TileService.create(t.db, { sensitiveRoles: ['admin', 'analyst'], cacheBytes: 0 })
    const limited = await TileService.create(t.db, { sensitiveRoles: ['admin', 'analyst'], cacheBytes: 0, maxQueries: 2 })
    try {
      const expected = await Promise.all(tiles.map((a) => free.tile(layer, a, caller)))
      expect(expected.filter((r) => r.body.length > 0).length).toBeGreaterThan(0)
      const asked: { answers?: Promise<TileResult[]> } = {}
      await t.db.tx(async (lock) => {
        await lock.none('LOCK TABLE parcel IN ACCESS EXCLUSIVE MODE')
        asked.answers = Promise.all(tiles.map((a) => limited.tile(layer, a, caller)))
        await until(`${waiting} tile queries waiting on the lock`, async () => (await queries()) === waiting)
        await check(limited.gate!)
      })
      const got = await asked.answers!
      expect(got.map((r) => r.body.toString('base64'))).toEqual(expected.map((r) => r.body.toString('base64')))
      return limited.gate!
    } finally {
      free.close()
      limited.close()
    }
  }

  it('never has more overview tiles (below the detail zoom) in the database at once than the limit; the rest wait and all are answered, the same as without a limit', async () => {
    const tiles = view(13)
    expect(findLayer('parcels')!.detailMinzoom).toBeGreaterThan(13)
    const gate = await underLock(tiles, 2, async (g) => {
      await until('the others queued', async () => g.queued === tiles.length - 2)
      expect(await queries()).toBe(2)
      expect([g.active, g.queued]).toEqual([2, tiles.length - 2])
    })
    expect([gate.active, gate.queued, gate.peak]).toEqual([0, 0, 2])
  })

  it('never holds detail tiles back', async () => {
    // six: with the lock's and the count's connections, within the pool of 10
    const tiles = view(14).slice(0, 6)
    const gate = await underLock(tiles, tiles.length, async (g) => {
      expect([g.active, g.queued]).toEqual([0, 0])
    })
    expect(gate.peak).toBe(0)
  })
})
