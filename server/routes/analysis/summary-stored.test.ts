/** The dashboard summary's 批而未供 progress reads the remainders the full recompute stored at the
 * baseline date and at the end of the previous year (analysis.unsupplied_past): they stay equal
 * to the live overlay after every edit that can change a past remainder (a backdated supply or
 * termination, a retirement, a parcel or batch edit, a deletion, a rule, a deferred bulk write),
 * the summary and the progress figures give the same numbers from them as from the live overlay,
 * and a date with nothing stored is computed live. Areas are checked against proj4 + an
 * equal-area projection of the survey corners (independent of PostGIS), within 0.1%. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import proj4 from 'proj4'
import type { IBaseProtocol, ITask } from 'pg-promise'
import { createTestDatabase, type TestDatabase } from '../../test/db'
import { ORIGIN, Scenario, type Ring } from '../../test/scenario'

const SNAP = '2024-06-30' // baseline 2020-12-31 (the city-wide default rule), year start 2023-12-31
const BASELINE = '2020-12-31'
const YEAR_START = '2023-12-31'
const GK_111 = '+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
const EQUAL_AREA = '+proj=laea +lat_0=34.6 +lon_0=112.5 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs'

/** A strip of the survey grid x0..x1 × 0..200 m, with a vertex every 100 m so that neighbours share them. */
const strip = (x0: number, x1: number): Ring => {
  const xs = Array.from({ length: (x1 - x0) / 100 + 1 }, (_, i) => x0 + i * 100)
  return [...xs.map((x): [number, number] => [x, 0]), ...xs.reverse().map((x): [number, number] => [x, 200])]
}
const shifted = (r: Ring, dx: number): Ring => r.map(([x, y]) => [x + dx, y])

/** Ellipsoidal area of a ring: its vertices to lon/lat (proj4), then to an equal-area plane, shoelace. */
function areaM2(ring: Ring): number {
  const p = ring.map(([x, y]) => proj4('WGS84', EQUAL_AREA, proj4(GK_111, 'WGS84', [ORIGIN.x + x, ORIGIN.y + y])))
  let twice = 0
  p.forEach((a, i) => { const b = p[(i + 1) % p.length]!; twice += a[0]! * b[1]! - b[0]! * a[1]! })
  return Math.abs(twice) / 2
}
const expectArea = (actual: number | string, expected: number) =>
  expect(Math.abs(Number(actual) - expected) / expected).toBeLessThan(0.001)

let t: TestDatabase
let s: Scenario
const ids: Record<string, number> = {}
const ROLLBACK = new Error('rollback')

/** Runs `run` with nothing stored (the live overlay), in a transaction rolled back. */
async function liveOnly<T>(run: (q: ITask<unknown>) => Promise<T>): Promise<T> {
  let out: T | undefined
  await expect(t.db.tx(async (q) => {
    await q.none('SET LOCAL jit = off')
    await q.none('DELETE FROM analysis.unsupplied_past_date')
    out = await run(q)
    throw ROLLBACK
  })).rejects.toBe(ROLLBACK)
  return out as T
}

const summary = (q: IBaseProtocol<unknown>, asOf: string, scope: string[] | null = null) =>
  q.one('SELECT analysis.summary($1, $2)::text AS j', [asOf, scope], (r: { j: string }) => r.j)
const progress = (q: IBaseProtocol<unknown>, asOf: string, since: string) =>
  q.one('SELECT json_agg(p ORDER BY p.level, p.code)::text AS j FROM governance.progress($1, $2) p', [asOf, since], (r: { j: string }) => r.j)

/** Every stored date holds exactly what the live overlay gives at that date. */
async function expectStoredFresh(q: IBaseProtocol<unknown> = t.db) {
  const { stored, live } = await q.one(`
    SELECT (SELECT json_agg(json_build_array(p.since, p.batch_id, p.remainder_m2) ORDER BY p.since, p.batch_id)
              FROM analysis.unsupplied_past p)::text AS stored,
           (SELECT json_agg(json_build_array(d.since, u.batch_id, u.remainder_m2::numeric(16,2)) ORDER BY d.since, u.batch_id)
              FROM analysis.unsupplied_past_date d CROSS JOIN LATERAL analysis.unsupplied(d.since) u)::text AS live`)
  expect(stored).not.toBeNull()
  expect(stored).toBe(live)
}

/** The summary (snapshot date, and a date of an earlier year) and the progress figures give the
 * same text from the stored remainders as from the live overlay. */
async function expectSameAnswers() {
  const asked = async (q: IBaseProtocol<unknown>) =>
    [await summary(q, SNAP), await summary(q, '2023-09-30'), await progress(q, SNAP, '2024-03-31')]
  expect(await asked(t.db)).toEqual(await liveOnly(asked))
}

const storedAt = (since: string, batch: number) => t.db.oneOrNone(
  'SELECT remainder_m2 FROM analysis.unsupplied_past WHERE since = $1 AND batch_id = $2', [since, batch], (r) => r?.remainder_m2 ?? null)

beforeAll(async () => {
  t = await createTestDatabase()
  s = new Scenario(t.db, '410303')
  await s.ensureCounty()
  const cl = await s.cluster({ code: 'past-cl', rect: [-500, -500, 3000, 3000] })
  // A 400 m × 200 m batch of 2017 (old stock); A supplied in 2019, B in May 2022, C not yet.
  ids.batch = await s.batch({ rect: strip(0, 400), approvedOn: '2017-01-01', cluster: cl })
  ids.a = await s.parcel({ rect: strip(0, 100), cluster: cl })
  ids.b = await s.parcel({ rect: strip(100, 200), cluster: cl })
  ids.c = await s.parcel({ rect: strip(200, 300), cluster: cl })
  ids.ka = await s.contract({ parcel: ids.a, signedOn: '2019-01-01' })
  await s.contract({ parcel: ids.b, signedOn: '2022-05-01' })
  // A second batch approved in 2022: in the year-start stock, not in the baseline one.
  ids.late = await s.batch({ rect: shifted(strip(0, 200), 1000), approvedOn: '2022-03-01', cluster: cl })
  await t.db.one('SELECT analysis.refresh_all($1)', [SNAP])
  // the follow-on step of the recompute (the recompute job runs it after its commit)
  await t.db.analysis.storePast()
})
afterAll(async () => t.drop())

describe('stored past remainders', () => {
  it('the full recompute stores the baseline and the year start of its date, equal to the live overlay', async () => {
    expect(await t.db.map('SELECT since::text AS d, stored_for::text AS f FROM analysis.unsupplied_past_date ORDER BY since', [],
      (r) => [r.d, r.f])).toEqual([[BASELINE, SNAP], [YEAR_START, SNAP]])
    await expectStoredFresh()
    expectArea(await storedAt(BASELINE, ids.batch), areaM2(strip(100, 400))) // A supplied
    expectArea(await storedAt(YEAR_START, ids.batch), areaM2(strip(200, 400))) // A and B
    expect(await storedAt(BASELINE, ids.late)).toBeNull() // approved after the baseline
    expectArea(await storedAt(YEAR_START, ids.late), areaM2(shifted(strip(0, 200), 1000)))
  })

  it('the summary and the progress figures read them, and give the numbers of the live overlay', async () => {
    // A wrong value planted in the stored baseline (rolled back) shows through: the summary reads it.
    const planted = await t.db.tx(async (q) => {
      await q.none('UPDATE analysis.unsupplied_past SET remainder_m2 = remainder_m2 + 1000 WHERE since = $1 AND batch_id = $2', [BASELINE, ids.batch])
      const j = JSON.parse(await summary(q, SNAP))
      await q.none('UPDATE analysis.unsupplied_past SET remainder_m2 = remainder_m2 - 1000 WHERE since = $1 AND batch_id = $2', [BASELINE, ids.batch])
      return j
    })
    const j = JSON.parse(await summary(t.db, SNAP))
    expect(Number(planted.city.unsupplied.progress.baseline_stock_m2) - Number(j.city.unsupplied.progress.baseline_stock_m2)).toBeCloseTo(1000, 2)
    expectArea(j.city.unsupplied.progress.baseline_stock_m2, areaM2(strip(100, 400)))
    expectArea(j.city.unsupplied.progress.year_start_stock_m2, areaM2(strip(200, 400)) + areaM2(shifted(strip(0, 200), 1000)))
    await expectSameAnswers()
  })

  it('a backdated supply changes the stored baseline remainder in its own transaction', async () => {
    await t.db.tx(async (q) => {
      await q.none(`INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_use, signed_on)
        VALUES ('PAST-C', $1, '410303', 'grant', '工业用地', '2020-06-01')`, [ids.c])
      const r = await q.one('SELECT remainder_m2 FROM analysis.unsupplied_past WHERE since = $1 AND batch_id = $2', [BASELINE, ids.batch])
      expectArea(r.remainder_m2, areaM2(strip(100, 200)) + areaM2(strip(300, 400))) // A and C supplied then
    })
    expectArea(await storedAt(YEAR_START, ids.batch), areaM2(strip(300, 400)))
    await expectStoredFresh()
    await expectSameAnswers()
  })

  it('a backdated termination, a retirement and a parcel shape edit refresh the stored dates', async () => {
    await t.db.none('UPDATE supply_contract SET terminated_on = $2 WHERE id = $1', [ids.ka, '2021-06-30']) // A, between the two dates
    expectArea(await storedAt(YEAR_START, ids.batch), areaM2(strip(0, 100)) + areaM2(strip(300, 400)))
    expectArea(await storedAt(BASELINE, ids.batch), areaM2(strip(100, 200)) + areaM2(strip(300, 400)))
    await expectStoredFresh()
    await t.db.none(`UPDATE parcel SET retired_at = '2023-03-01 10:00+08', retired_reason = '收回' WHERE id = $1`, [ids.b])
    expectArea(await storedAt(YEAR_START, ids.batch), areaM2(strip(0, 200)) + areaM2(strip(300, 400)))
    await expectStoredFresh()
    await t.db.none(`UPDATE parcel SET geom = (SELECT geom FROM parcel WHERE id = $2) WHERE id = $1`, [ids.c, ids.a])
    await expectStoredFresh()
    await expectSameAnswers()
  })

  it('a batch edit, a later approval date and a deletion', async () => {
    await t.db.none(`UPDATE approval_batch SET geom = (SELECT geom FROM approval_batch WHERE id = $2) WHERE id = $1`, [ids.late, ids.batch])
    await expectStoredFresh()
    await t.db.none(`UPDATE approval_batch SET approved_on = '2021-02-01' WHERE id = $1`, [ids.batch])
    expect(await storedAt(BASELINE, ids.batch)).toBeNull()
    expect(await storedAt(YEAR_START, ids.batch)).not.toBeNull()
    await expectStoredFresh()
    await expectSameAnswers()
    await t.db.none('DELETE FROM approval_batch WHERE id = $1', [ids.late])
    expect(await t.db.one('SELECT count(*)::int AS n FROM analysis.unsupplied_past WHERE batch_id = $1', [ids.late], (r) => r.n)).toBe(0)
    await expectStoredFresh()
    await expectSameAnswers()
  })

  it('a deferred bulk write: the queued batches are overlaid live, and the worked-off queue leaves the stored dates fresh', async () => {
    const d = await s.parcel({ rect: shifted(strip(0, 100), 2000) })
    const bt = await s.batch({ rect: shifted(strip(0, 200), 2000), approvedOn: '2016-01-01' })
    await s.contract({ parcel: d, signedOn: '2018-01-01' })
    await expectStoredFresh()
    await t.db.tx(async (q) => {
      await q.none(`SET LOCAL onemap.analysis = 'deferred'`)
      await q.none('UPDATE parcel SET geom = (SELECT geom FROM parcel WHERE id = $2) WHERE id = $1', [d, ids.b])
    })
    expect(await t.db.one('SELECT count(*)::int AS n FROM analysis.pending_parcel', [], (r) => r.n)).toBeGreaterThan(0)
    // the stored row is stale while queued (the whole batch is unsupplied again) …
    expectArea(await storedAt(BASELINE, bt), areaM2(shifted(strip(100, 200), 2000)))
    // … yet the answers are the live ones, those the worked-off queue gives below
    const whileQueued = { ...JSON.parse(await summary(t.db, SNAP)), materialised: null }
    await expectSameAnswers()
    while (await t.db.one('SELECT analysis.process_pending(100) AS n', [], (r) => r.n) > 0);
    expectArea(await storedAt(BASELINE, bt), areaM2(shifted(strip(0, 200), 2000)))
    await expectStoredFresh()
    expect({ ...JSON.parse(await summary(t.db, SNAP)), materialised: null }).toEqual(whileQueued)
  })

  it('a county sliver tolerance changed between the two dates: stored and live still agree', async () => {
    await s.ensureCounty('410305', '涧西测试')
    const c = new Scenario(t.db, '410305')
    const b = await c.batch({ rect: shifted(strip(0, 200), 5000), approvedOn: '2016-01-01' })
    await c.contract({ parcel: await c.parcel({ rect: shifted(strip(0, 100), 5000) }), signedOn: '2019-01-01' })
    // from 2022 every piece under 100 000 m² counts as a sliver: the remainder at as_of is 0, not at the baseline
    await c.rule({ key: 'sliver_m2', value: 100_000, from: '2022-01-01' })
    expect(await t.db.one('SELECT remainder_m2 FROM analysis.unsupplied_remainder WHERE batch_id = $1', [b], (r) => Number(r.remainder_m2))).toBe(0)
    expectArea(await storedAt(BASELINE, b), areaM2(shifted(strip(100, 200), 5000)))
    await expectStoredFresh()
    await expectSameAnswers()
  })
})

describe('a date with nothing stored', () => {
  it('is computed live: the year start of an earlier year, checked by hand', async () => {
    await s.ensureCounty('410306', '吉利测试')
    const c = new Scenario(t.db, '410306')
    const b = await c.batch({ rect: shifted(strip(0, 300), 8000), approvedOn: '2015-01-01' })
    const p = await c.parcel({ rect: shifted(strip(0, 100), 8000) })
    const q = await c.parcel({ rect: shifted(strip(100, 200), 8000) })
    await c.contract({ parcel: p, signedOn: '2022-06-01' })
    await c.contract({ parcel: q, signedOn: '2023-05-01' })
    expect(await storedAt('2022-12-31', b)).toBeNull()
    // as of 2023-09-30: the year start 2022-12-31 is not stored (live), the baseline is (stored)
    const j = JSON.parse(await summary(t.db, '2023-09-30', ['410306'])).city.unsupplied
    expectArea(j.progress.year_start_stock_m2, areaM2(strip(100, 300)))
    expectArea(j.progress.digested_this_year_m2, areaM2(strip(100, 200)))
    expectArea(j.progress.baseline_stock_m2, areaM2(strip(0, 300)))
    expectArea(j.progress.digested_since_baseline_m2, areaM2(strip(0, 200)))
    expect(j.progress.share_this_year).toBeCloseTo(0.5, 3)
    await expectSameAnswers()
  })
})

/** Runs `run` in a transaction rolled back at its end. */
async function rolledBack(run: (q: ITask<unknown>) => Promise<void>): Promise<void> {
  await expect(t.db.tx(async (q) => {
    await q.none('SET LOCAL jit = off')
    await run(q)
    throw ROLLBACK
  })).rejects.toBe(ROLLBACK)
}
const refreshAll = (q: IBaseProtocol<unknown>, asOf = SNAP) =>
  q.one('SELECT analysis.refresh_all($1) AS r', [asOf], (r: { r: { past_to_store: string[] } }) => r.r)
const storedDates = (q: IBaseProtocol<unknown>) =>
  q.map('SELECT since::text AS d FROM analysis.unsupplied_past_date ORDER BY since', [], (r: { d: string }) => r.d)
/** A stored value no computation gives: it stays only where the stored rows are kept. */
const plant = async (q: IBaseProtocol<unknown>) => {
  await q.none('UPDATE analysis.unsupplied_past SET remainder_m2 = 123456.78 WHERE since = $1 AND batch_id = $2', [BASELINE, ids.keep])
  expect(await plantedAt(q)).toBe(123456.78)
}
const plantedAt = (q: IBaseProtocol<unknown>) => q.oneOrNone(
  'SELECT remainder_m2 FROM analysis.unsupplied_past WHERE since = $1 AND batch_id = $2', [BASELINE, ids.keep], (r) => r?.remainder_m2 ?? null)

describe('a full recompute keeps the stored past remainders unless a guard says otherwise', () => {
  beforeAll(async () => {
    // a batch of 2017: a quarter supplied in 2019, a quarter in 2022 (baseline remainder: three quarters)
    ids.keep = await s.batch({ rect: shifted(strip(0, 400), 15000), approvedOn: '2017-01-01' })
    await s.contract({ parcel: await s.parcel({ rect: shifted(strip(0, 100), 15000) }), signedOn: '2019-01-01' })
    await s.contract({ parcel: await s.parcel({ rect: shifted(strip(100, 200), 15000) }), signedOn: '2022-05-01' })
    expectArea(await storedAt(BASELINE, ids.keep), areaM2(shifted(strip(100, 400), 15000)))
  })

  it('keeps them (nothing left to store) when every write went through the freshness triggers', async () => {
    await expectStoredFresh()
    await rolledBack(async (q) => {
      await plant(q)
      expect((await refreshAll(q)).past_to_store).toEqual([])
      expect(await plantedAt(q)).toBe(123456.78) // kept, not computed again
      expect(await q.one('SELECT analysis.store_unsupplied_past(NULL) AS n', [], (r) => r.n)).toBe(0)
    })
  })

  it('refreshes the batches a deferred write had queued, at the kept dates', async () => {
    const d = await s.parcel({ rect: shifted(strip(0, 100), 12000) })
    const bt = await s.batch({ rect: shifted(strip(0, 200), 12000), approvedOn: '2016-01-01' })
    await s.contract({ parcel: d, signedOn: '2018-01-01' })
    await rolledBack(async (q) => {
      await q.none(`SET LOCAL onemap.analysis = 'deferred'`)
      await q.none('UPDATE parcel SET geom = (SELECT geom FROM parcel WHERE id = $2) WHERE id = $1', [d, ids.b])
      await q.none(`SET LOCAL onemap.analysis = ''`)
      const stale = await q.one('SELECT remainder_m2 FROM analysis.unsupplied_past WHERE since = $1 AND batch_id = $2', [BASELINE, bt], (r) => r.remainder_m2)
      expectArea(stale, areaM2(shifted(strip(100, 200), 12000)))
      expect((await refreshAll(q)).past_to_store).toEqual([])
      // the queue was emptied by the recompute; the moved parcel no longer covers the batch
      expectArea(await q.one('SELECT remainder_m2 FROM analysis.unsupplied_past WHERE since = $1 AND batch_id = $2', [BASELINE, bt], (r) => r.remainder_m2),
        areaM2(shifted(strip(0, 200), 12000)))
    })
  })

  it('a write without triggers (replica role): the summary answers live at once, the recompute drops them, the follow-on stores them again', async () => {
    await rolledBack(async (q) => {
      await plant(q)
      await q.none('SET LOCAL session_replication_role = replica')
      // a backdated supply of C no freshness trigger sees
      await q.none(`INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_use, signed_on)
        VALUES ('PAST-R', $1, '410303', 'grant', '工业用地', '2020-02-01')`, [ids.c])
      await q.none('SET LOCAL session_replication_role = origin')
      expect(await q.one('SELECT source FROM analysis.unsupplied_past_unsure', [], (r) => r.source)).toBe('supply_contract insert')
      // the stored rows (planted, and stale) are not read: the summary is the live one
      const j = JSON.parse(await summary(q, SNAP))
      await q.none('DELETE FROM analysis.unsupplied_past_date')
      expect(JSON.parse(await summary(q, SNAP))).toEqual(j)
      const r = await refreshAll(q)
      expect(r.past_to_store).toEqual([BASELINE, YEAR_START])
      expect(await storedDates(q)).toEqual([])
      expect(await q.one('SELECT count(*)::int AS n FROM analysis.unsupplied_past_unsure', [], (x) => x.n)).toBe(0)
      expect(await q.one('SELECT analysis.store_unsupplied_past(NULL) AS n', [], (x) => x.n)).toBeGreaterThan(0)
      expect(await storedDates(q)).toEqual([BASELINE, YEAR_START])
      await expectStoredFresh(q)
      expectArea(await plantedAt(q), areaM2(shifted(strip(100, 400), 15000)))
    })
  })

  it('a TRUNCATE and a write before the first recompute mark them unsure too; a county row written with its triggers does not', async () => {
    const unsure = (q: IBaseProtocol<unknown>) => q.one('SELECT NOT analysis.unsupplied_past_trusted() AS u', [], (r) => r.u)
    expect(await unsure(t.db)).toBe(false)
    await rolledBack(async (q) => {
      await q.none('TRUNCATE county_rule CASCADE')
      expect(await unsure(q)).toBe(true)
    })
    await rolledBack(async (q) => {
      await q.none(`UPDATE county SET name = name WHERE code = '410303'`)
      expect(await unsure(q)).toBe(false)
      await q.none('SET LOCAL session_replication_role = replica')
      await q.none(`UPDATE county SET name = name WHERE code = '410303'`)
      expect(await unsure(q)).toBe(true)
    })
    await rolledBack(async (q) => {
      await q.none('DELETE FROM analysis.snapshot')
      await q.none(`UPDATE parcel SET land_use = land_use WHERE id = $1`, [ids.a])
      expect(await unsure(q)).toBe(true)
    })
    expect(await unsure(t.db)).toBe(false)
  })

  it('other code (here analysis.unsupplied re-created with another body): not read, dropped by the recompute, stored again', async () => {
    await rolledBack(async (q) => {
      await plant(q)
      const def = await q.one(`SELECT pg_get_functiondef('analysis.unsupplied(date, bigint[])'::regprocedure) AS d`, [], (r) => r.d as string)
      await q.none(def.replace('SELECT r.id, r.approval_no', 'SELECT /* another version */ r.id, r.approval_no'))
      expect(await q.one('SELECT analysis.unsupplied_past_trusted() AS ok', [], (r) => r.ok)).toBe(false)
      expect(await q.one('SELECT analysis.unsupplied_past_missing() AS m', [], (r) => r.m)).toBe(true)
      expect((await refreshAll(q)).past_to_store).toEqual([BASELINE, YEAR_START])
      await q.one('SELECT analysis.store_unsupplied_past(NULL)')
      expect(await q.one('SELECT analysis.unsupplied_past_trusted() AS ok', [], (r) => r.ok)).toBe(true)
      expectArea(await plantedAt(q), areaM2(shifted(strip(100, 400), 15000)))
    })
  })

  it('a recompute at a date of a later year keeps the baseline, drops the old year start and leaves the new one to the follow-on', async () => {
    await rolledBack(async (q) => {
      await plant(q)
      expect((await refreshAll(q, '2025-03-31')).past_to_store).toEqual(['2024-12-31'])
      expect(await storedDates(q)).toEqual([BASELINE])
      expect(await plantedAt(q)).toBe(123456.78)
      await expect(q.one('SELECT analysis.store_unsupplied_past($1)', [SNAP])).rejects.toThrow(/snapshot date/)
    })
    await rolledBack(async (q) => {
      await refreshAll(q, '2025-03-31')
      await q.one('SELECT analysis.store_unsupplied_past(NULL)')
      expect(await storedDates(q)).toEqual([BASELINE, '2024-12-31'])
      await expectStoredFresh(q)
    })
  })
})
