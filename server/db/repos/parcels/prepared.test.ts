/** The card and the search run as named prepared statements: they answer exactly what the same
 * SQL with its values written in answers, for every viewer and every shape of search, also when
 * PostgreSQL runs them with a generic plan (its choice after five runs of a statement, forced
 * here), and a search's statement has only the filters of its shape. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../connect'
import { createTestDatabase, type TestDatabase } from '../../../test/db'
import { budget } from '../../../test/budget'
import { COUNTY_A, COUNTY_B, creditCode, insertContract, insertEnterprise, insertParcel, seedPlaces } from '../../../test/land'
import { pageOf, bboxOf } from '../../../schemas/common'
import { preparedRow, preparedShape, preparedText } from '../../sql'
import type { ParcelSearch } from '.'
import type { ReadViewer } from '../../viewer'
import pgPromise from 'pg-promise'

let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase()
  const db = database.db
  await seedPlaces(db)
  await insertEnterprise(db, creditCode(7), '洛阳轴承集团股份有限公司')
  for (let i = 0; i < 30; i++) {
    const county = i % 3 === 0 ? COUNTY_B : COUNTY_A
    const id = await insertParcel(db, {
      code: `PS-${String(i).padStart(3, '0')}`, county, lon: county === COUNTY_A ? 112.45 + (i % 10) * 0.003 : 111.60 + (i % 10) * 0.003,
      lat: county === COUNTY_A ? 34.60 + Math.floor(i / 10) * 0.003 : 33.80 + Math.floor(i / 10) * 0.003,
      size: 0.002, stage: i % 2 ? 'supplied' : 'approved',
    })
    if (i % 4 === 0) await insertContract(db, { no: `HT-PS-${i}`, parcelId: id, county, landUser: creditCode(7), price: 100 + i })
  }
  await db.none(`UPDATE parcel SET retired_at = now(), retired_reason = 'test' WHERE code = 'PS-004'`)
})
afterAll(async () => database.drop())

const VIEWERS: ReadViewer[] = [
  { scope: null, sensitive: true },
  { scope: null, sensitive: false },
  { scope: [COUNTY_A], sensitive: false },
  { scope: [COUNTY_B], sensitive: true },
]

const search = (o: Partial<ParcelSearch> & { cursor?: string; offset?: number; limit?: number }): ParcelSearch => ({
  county: o.county ?? null, cluster: o.cluster ?? null, status: o.status ?? null, kind: o.kind ?? null, tokens: o.tokens ?? null,
  bbox: o.bbox ?? bboxOf(undefined), includeRetired: o.includeRetired ?? false,
  page: pageOf({ limit: o.limit ?? 5, offset: o.offset, cursor: o.cursor }),
})

const SEARCHES: ParcelSearch[] = [
  search({}),
  search({ bbox: bboxOf('112.449,34.599,112.462,34.606') }),
  search({ county: [COUNTY_A], status: ['supplied'] }),
  search({ cluster: ['luolong'], includeRetired: true, limit: 50 }),
  search({ tokens: ['洛阳轴承'] }),
  search({ kind: ['idle'] }),
  search({ cursor: Buffer.from('PS-010').toString('base64url'), limit: 3 }),
  search({ offset: 4, limit: 7 }),
]

/** Runs fn on one connection with generic plans forced, then gives the connection back as it was. */
async function generic<T>(fn: (t: pgPromise.ITask<unknown>) => Promise<T>): Promise<T> {
  return database.db.task(async (t) => {
    await t.none('SET plan_cache_mode = force_generic_plan')
    try {
      return await fn(t)
    } finally {
      await t.none('RESET plan_cache_mode')
    }
  })
}

describe('prepared statements of the card and the search', () => {
  it('the card: the same row as its SQL with the values written in, for every viewer, custom and generic plans', async () => {
    const parcels = database.db.parcels
    let cards = 0
    for (const viewer of VIEWERS) {
      for (const code of ['PS-000', 'PS-001', 'PS-004', 'PS-012', 'NO-SUCH']) {
        const reference = await database.db.oneOrNone(parcels.cardQuery(code, viewer))
        const custom = await database.db.oneOrNone(parcels.cardPrepared(code, viewer))
        const planned = await generic((t) => t.oneOrNone(parcels.cardPrepared(code, viewer)))
        expect(custom).toEqual(reference)
        expect(planned).toEqual(reference)
        if (reference) cards++
      }
    }
    // out-of-scope parcels answer no row, so some but not all of the 20 asked have a card
    expect(cards).toBeGreaterThan(8)
    expect(cards).toBeLessThan(20)
  })

  it('the search: the same page as its SQL with the values written in, every shape, custom and generic plans', async () => {
    const parcels = database.db.parcels
    const counts = new Set<number>()
    for (const viewer of VIEWERS) {
      for (const s of SEARCHES) {
        const reference = (await database.db.one(parcels.searchQuery(s, viewer))).collection as string
        // twice on the same connection: the second run reuses the statement already prepared
        const planned = await generic(async (t) => [
          (await t.one(parcels.searchPrepared(s, viewer))).collection, (await t.one(parcels.searchPrepared(s, viewer))).collection,
        ])
        expect(planned).toEqual([reference, reference])
        expect(await parcels.search(s, viewer)).toBe(reference)
        counts.add(JSON.parse(reference).numberReturned)
      }
    }
    // the shapes do filter: pages of several different sizes, the empty one among them
    expect(counts.size).toBeGreaterThan(3)
    expect(counts.has(0)).toBe(true)
  })

  it('preparedRow: the database object reads through its pool, a transaction on its own connection; more than one row is an error', async () => {
    const db = database.db
    const viewer: ReadViewer = { scope: null, sensitive: true }
    const before = await db.parcels.cardText('PS-001', viewer)
    const reference = await db.one(db.parcels.cardQuery('PS-001', viewer))
    expect(before).toEqual({ version: reference.version, json: reference.card })
    expect(JSON.parse(before!.json).properties.land_use).not.toBe('仓储用地')
    const rollback = new Error('rollback')
    await expect(db.tx(async (t) => {
      await t.none(`UPDATE parcel SET land_use = '仓储用地' WHERE code = 'PS-001'`)
      // the transaction's repository reads its own uncommitted edit; the pool (another connection) does not
      expect(JSON.parse((await t.parcels.cardText('PS-001', viewer))!.json).properties.land_use).toBe('仓储用地')
      expect(await db.parcels.cardText('PS-001', viewer)).toEqual(before)
      throw rollback
    })).rejects.toBe(rollback)
    const two = { name: 'test-rows', text: 'SELECT n FROM generate_series(1, $1::int) n', values: [2] }
    await expect(preparedRow(db, two)).rejects.toThrow(/2 rows where at most one/)
    expect(await preparedRow(db, { ...two, values: [1] })).toEqual({ n: 1 })
    expect(await preparedRow(db, { ...two, values: [0] })).toBeNull()
  })

  it('a search statement has only the filters of its shape; shapes have names of their own', () => {
    const text = 'SELECT 1 WHERE (${a}::text[] IS NULL OR x = ANY(${a}::text[])) AND (${b} OR y) AND (${c}::int IS NULL OR z > ${c}::int) LIMIT ${d}'
    const one = preparedShape('t', text, { a: ['x'], b: false, c: null, d: 5 })
    expect(one.text).toBe('SELECT 1 WHERE (false OR x = ANY($1::text[])) AND (false OR y) AND (true OR z > NULL::int) LIMIT $2')
    expect(one.values).toEqual([['x'], 5])
    const other = preparedShape('t', text, { a: null, b: true, c: 3, d: 5 })
    expect(other.text).toBe('SELECT 1 WHERE (true OR x = ANY(NULL::text[])) AND (true OR y) AND (false OR z > $1::int) LIMIT $2')
    expect(other.values).toEqual([3, 5])
    expect(other.name).not.toBe(one.name)
    expect(preparedShape('t', text, { a: ['y', 'z'], b: false, c: null, d: 9 }).name).toBe(one.name)
    expect(() => preparedShape('t', text, { a: null, b: true, c: 3 })).toThrow(/\$\{d\}/)
  })

  it('preparedText numbers the named parameters and refuses one it was not told of', () => {
    const qf = { file: 'x.sql' } as unknown as pgPromise.QueryFile
    // a QueryFile formats as its text; a plain string stands in for it here
    const asQf = (text: string) => Object.assign(Object.create(qf), { [pgPromise.as.ctf.toPostgres]: () => text, [pgPromise.as.ctf.rawType]: true })
    expect(preparedText(asQf('SELECT ${b}, ${a}, ${b}'), ['a', 'b'])).toBe('SELECT $2, $1, $2')
    expect(() => preparedText(asQf('SELECT ${c}'), ['a', 'b'])).toThrow(/\$\{c\}/)
  })
})

describe('in the embedded database (PGlite over pglite-socket)', () => {
  it('the prepared card and search answer as their SQL, each statement run more than five times', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-prepared-'))
    const embedded = await openDatabase({ databaseUrl: null, dataDir: dir })
    try {
      expect(embedded.mode).toBe('embedded')
      await seedPlaces(embedded.db)
      for (let i = 0; i < 12; i++) await insertParcel(embedded.db, { code: `E-${i}`, lon: 112.45 + i * 0.003, lat: 34.6, size: 0.002 })
      const viewer: ReadViewer = { scope: [COUNTY_A], sensitive: false }
      const returned: number[] = []
      for (let k = 0; k < 8; k++) {
        const s = search({ bbox: bboxOf(`112.44,34.59,${(112.445 + k * 0.003).toFixed(3)},34.61`) })
        const page = await embedded.db.parcels.search(s, viewer)
        expect(page).toBe((await embedded.db.one(embedded.db.parcels.searchQuery(s, viewer))).collection)
        returned.push(JSON.parse(page).numberReturned)
        const card = await embedded.db.parcels.cardText(`E-${k}`, viewer)
        expect(card!.json).toBe((await embedded.db.one(embedded.db.parcels.cardQuery(`E-${k}`, viewer))).card)
      }
      expect(returned[0]).toBeLessThan(returned[7]!)
    } finally {
      await embedded.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, budget(45_000)) // an embedded database made and migrated (~40 s on an idle machine), then 16 reads
})
