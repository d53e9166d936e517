/** Materialised results stay equal to the live computation after every kind of edit, in the
 * edit's own transaction; a past date reproduces its numbers byte for byte after later-dated
 * edits; a county's rule change from a date changes results from that date only. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ITask } from 'pg-promise'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { Scenario } from '../test/scenario'

let t: TestDatabase
let s: Scenario
const SNAP = '2024-06-30'
const ids: Record<string, number> = {}

/** The materialised tables and the live functions, as text, for the snapshot date. */
async function storedAndLive(): Promise<{ stored: string; live: string }> {
  return noJit((q) => q.one(`
    WITH f AS (SELECT parcel_id, county_code, cluster_code, classification, rule, inefficient_type, stage, suspended, area_m2, reason
               FROM analysis.parcel_status),
         u AS (SELECT batch_id, approval_no, county_code, cluster_code, approved_on, old_stock, batch_m2, supplied_m2, remainder_m2,
                      remainder_mu, sliver_count, sliver_m2, digestion_rate, geom, reason FROM analysis.unsupplied_remainder),
         c AS (SELECT change_id, county_code, cluster_code, area_m2, geom, reason FROM analysis.unsupplied_use)
    SELECT concat_ws(' | ',
             (SELECT json_agg(f ORDER BY parcel_id, rule) FROM f),
             (SELECT json_agg(u ORDER BY batch_id) FROM u),
             (SELECT json_agg(c ORDER BY change_id) FROM c)) AS stored,
           concat_ws(' | ',
             (SELECT json_agg(f ORDER BY parcel_id, rule) FROM analysis.findings($1) f),
             (SELECT json_agg(u ORDER BY batch_id) FROM analysis.unsupplied($1) u),
             (SELECT json_agg(c ORDER BY change_id) FROM analysis.used_before_supply_changes($1) c)) AS live`, [SNAP]))
}

/** As the repositories do: JIT compiling these plans costs seconds and saves nothing. */
function noJit<T>(run: (q: ITask<unknown>) => Promise<T>): Promise<T> {
  return t.db.tx(async (q) => {
    await q.none('SET LOCAL jit = off')
    return run(q)
  })
}

async function expectFresh() {
  const { stored, live } = await storedAndLive()
  expect(stored).toBe(live)
}

const pastSummary = (d: string) => t.db.one('SELECT analysis.summary($1)::text AS j', [d], (r: { j: string }) => r.j)
const pastFindings = (d: string) => noJit((q) =>
  q.one('SELECT json_agg(f ORDER BY parcel_id, rule)::text AS j FROM analysis.findings($1) f', [d], (r: { j: string }) => r.j))

beforeAll(async () => {
  t = await createTestDatabase()
  s = new Scenario(t.db, '410303')
  await s.ensureCounty()
  const cl = await s.cluster({ code: 'fresh-cl', rect: [0, 0, 3000, 3000], leading: ['装备制造'] })
  ids.batch = await s.batch({ rect: [0, 0, 400, 200], approvedOn: '2017-01-01', cluster: cl })
  ids.a = await s.parcel({ rect: [0, 0, 100, 200], cluster: cl })
  ids.b = await s.parcel({ rect: [100, 0, 100, 200], cluster: cl })
  ids.c = await s.parcel({ rect: [200, 0, 100, 200], cluster: cl })
  await s.contract({ parcel: ids.a, signedOn: '2019-01-01', agreedStartOn: '2019-06-01' })
  await s.contract({ parcel: ids.b, signedOn: '2021-01-01', agreedStartOn: '2021-06-01' })
  await t.db.one(`SELECT analysis.refresh_all($1)`, [SNAP])
})
afterAll(async () => t.drop())

describe('freshness: an edit recomputes what it touches, in its own transaction', () => {
  it('starts from a full recompute equal to the live computation', async () => {
    await expectFresh()
    const n = await t.db.one('SELECT count(*)::int AS n FROM analysis.parcel_status WHERE rule = $1', ['idle.not_started'], (r) => r.n)
    expect(n).toBe(2)
  })

  it('a start event clears idleness inside the same transaction', async () => {
    await t.db.tx(async (tx) => {
      await tx.none(`INSERT INTO development_event (parcel_id, county_code, kind, occurred_on) VALUES ($1, '410303', 'start', '2024-01-10')`, [ids.a])
      const left = await tx.any('SELECT rule FROM analysis.parcel_status WHERE parcel_id = $1', [ids.a])
      expect(left).toEqual([])
    })
    await expectFresh()
  })

  it('a new contract supplies land: the batch remainder shrinks and the parcel can be idle', async () => {
    const before = await t.db.one('SELECT remainder_m2 FROM analysis.unsupplied_remainder WHERE batch_id = $1', [ids.batch])
    await s.contract({ parcel: ids.c, signedOn: '2022-01-01', agreedStartOn: '2022-03-01' })
    const after = await t.db.one('SELECT remainder_m2 FROM analysis.unsupplied_remainder WHERE batch_id = $1', [ids.batch])
    expect(after.remainder_m2).toBeLessThan(before.remainder_m2 * 0.6)
    await expectFresh()
  })

  it('editing one parcel\'s shape refreshes the batches it meets', async () => {
    await t.db.none(`UPDATE parcel SET geom = ST_Multi(ST_Transform(ST_GeomFromText(
      'POLYGON((640200 3832000, 640350 3832000, 640350 3832200, 640200 3832200, 640200 3832000))', 4546), 4490)) WHERE id = $1`, [ids.c])
    await expectFresh()
  })

  it('flags, figures, indicators, plan zones, changes, boundaries and deletions', async () => {
    const credit = await s.enterprise({ industry: '食品' })
    const d = await s.parcel({ rect: [500, 500, 100, 100], cluster: 'fresh-cl' })
    const k = await s.contract({ parcel: d, signedOn: '2018-01-01', agreedStartOn: '2018-02-01', landUser: credit })
    await expectFresh()
    await s.event({ parcel: d, kind: 'production_acceptance', on: '2019-01-01', measured: { plot_ratio: 0.8 } })
    await expectFresh()
    await s.indicator({ contract: k, indicator: 'plot_ratio', direction: 'min', value: 1.0 })
    await expectFresh()
    await s.year({ creditCode: credit, year: 2022, rating: 'C', profitWan: 1 })
    await s.year({ creditCode: credit, year: 2023, rating: 'C', profitWan: 1 })
    await expectFresh()
    await t.db.none(`UPDATE enterprise SET industry = '装备制造' WHERE credit_code = $1`, [credit])
    await expectFresh()
    await s.flag({ parcel: d, kind: 'other', reason: '县区认定', setOn: '2024-01-01' })
    await expectFresh()
    await s.zone({ cluster: 'fresh-cl', type: 'green', rect: [550, 550, 100, 100] })
    await expectFresh()
    await s.change({ rect: [1000, 1000, 60, 60], imageAfter: '2024-04-01' })
    await expectFresh()
    await t.db.none(`UPDATE cluster SET boundary = ST_Multi(ST_Transform(ST_GeomFromText(
      'POLYGON((640000 3832000, 640580 3832000, 640580 3835000, 640000 3835000, 640000 3832000))', 4546), 4490)) WHERE code = 'fresh-cl'`)
    await expectFresh()
    const gone = await s.parcel({ rect: [1000, 1000, 30, 30] })
    await expectFresh()
    await t.db.none('DELETE FROM parcel WHERE id = $1', [gone])
    await expectFresh()
    await t.db.none('UPDATE supply_contract SET terminated_on = $2 WHERE id = $1', [k, '2024-02-01'])
    await expectFresh()
    const types = await t.db.map('SELECT DISTINCT classification FROM analysis.parcel_status ORDER BY 1', [], (r) => r.classification)
    expect(types).toEqual(['conformity', 'idle', 'inefficient', 'used_before_supply'])
  })

  it('regression: a cluster boundary edit re-attributes 未供即用 change polygons to clusters', async () => {
    const ch = await s.change({ rect: [2000, 2000, 40, 40], imageAfter: '2024-02-01' })
    const clusterOf = () => t.db.one('SELECT cluster_code FROM analysis.unsupplied_use WHERE change_id = $1', [ch], (r) => r.cluster_code)
    expect(await clusterOf()).toBe(null) // the boundary was cut back to 580 m wide above
    await t.db.none(`UPDATE cluster SET boundary = ST_Multi(ST_Transform(ST_GeomFromText(
      'POLYGON((640000 3832000, 643000 3832000, 643000 3835000, 640000 3835000, 640000 3832000))', 4546), 4490)) WHERE code = 'fresh-cl'`)
    expect(await clusterOf()).toBe('fresh-cl')
    await expectFresh()
  })

  it('a county rule row refreshes its county', async () => {
    await s.rule({ key: 'idle_days', value: 30, from: '2024-01-01' })
    await expectFresh()
  })
})

describe('as of a past date', () => {
  it('reproduces the earlier numbers byte for byte after later-dated edits', async () => {
    await s.ensureCounty('410305', '涧西测试')
    const c = new Scenario(t.db, '410305')
    const cl = await c.cluster({ rect: [10_000, 0, 2000, 2000] })
    const bt = await c.batch({ rect: [10_000, 0, 300, 100], approvedOn: '2016-01-01', cluster: cl })
    const p = await c.parcel({ rect: [10_000, 0, 100, 100], cluster: cl })
    const q = await c.parcel({ rect: [10_100, 0, 100, 100], cluster: cl })
    await c.contract({ parcel: p, signedOn: '2021-03-01', agreedStartOn: '2021-06-01' })
    const summary = await pastSummary('2023-12-31')
    const findings = await pastFindings('2023-12-31')
    expect(JSON.parse(summary).city.idle.parcels).toBeGreaterThan(0)

    // Everything below is dated after 2023-12-31.
    await c.contract({ parcel: q, signedOn: '2024-03-01', agreedStartOn: '2024-04-01' })
    await c.event({ parcel: p, kind: 'start', on: '2024-02-01' })
    await c.rule({ key: 'idle_days', value: 100, from: '2024-01-01' })
    await c.flag({ parcel: p, kind: 'industry_transition', reason: '退二优二', setOn: '2024-05-01' })
    await c.change({ rect: [10_200, 0, 50, 50], imageAfter: '2024-04-01' })
    const e = await c.enterprise()
    await c.year({ creditCode: e, year: 2024, rating: 'C' })

    expect(await pastSummary('2023-12-31')).toBe(summary)
    expect(await pastFindings('2023-12-31')).toBe(findings)
    const now = JSON.parse(await pastSummary('2024-06-30'))
    expect(now).not.toEqual(JSON.parse(summary))
    const remainder = await t.db.one('SELECT remainder_m2 FROM analysis.unsupplied($1, $2::bigint[])', ['2024-06-30', [bt]], (r) => r.remainder_m2)
    const before = await t.db.one('SELECT remainder_m2 FROM analysis.unsupplied($1, $2::bigint[])', ['2023-12-31', [bt]], (r) => r.remainder_m2)
    expect(remainder).toBeLessThan(before)
  })

  it('a county\'s idle threshold changed from a date changes that county\'s results from that date on only', async () => {
    await s.ensureCounty('410306', '吉利测试')
    await s.ensureCounty('410307', '洛龙测试')
    const x = new Scenario(t.db, '410306')
    const y = new Scenario(t.db, '410307')
    const px = await x.parcel({ rect: [20_000, 0, 100, 100] })
    const py = await y.parcel({ rect: [20_200, 0, 100, 100] })
    await x.contract({ parcel: px, signedOn: '2023-01-01', agreedStartOn: '2023-03-01' })
    await y.contract({ parcel: py, signedOn: '2023-01-01', agreedStartOn: '2023-03-01' })
    const dates = ['2023-09-30', '2023-12-31', '2024-01-31']
    const count = (d: string, county: string) =>
      t.db.one(`SELECT (analysis.summary($1, ARRAY[$2]) -> 'city' -> 'idle' ->> 'parcels')::int AS n`, [d, county], (r) => r.n)
    const before = await Promise.all(dates.map((d) => pastSummary(d)))
    expect(await Promise.all(dates.map((d) => count(d, '410306')))).toEqual([0, 0, 0])
    await x.rule({ key: 'idle_days', value: 200, from: '2024-01-01' })
    expect(await Promise.all(dates.map((d) => count(d, '410306')))).toEqual([0, 0, 1]) // 336 days > 200 from 2024-01-01
    expect(await Promise.all(dates.map((d) => count(d, '410307')))).toEqual([0, 0, 0])
    const after = await Promise.all(dates.map((d) => pastSummary(d)))
    expect(after[0]).toBe(before[0])
    expect(after[1]).toBe(before[1])
    expect(after[2]).not.toBe(before[2])
  })
})

describe('deferred: a bulk write queues its refresh for right after its commit', () => {
  it('queues the parcels and shapes in the same transaction, answers live while queued, and is equal again once worked off', async () => {
    const cl = await s.cluster({ code: 'defer-cl', rect: [40_000, 0, 1000, 1000], leading: ['装备制造'] })
    const bt = await s.batch({ rect: [40_000, 0, 400, 200], approvedOn: '2017-01-01', cluster: cl })
    const p = await s.parcel({ rect: [40_000, 0, 200, 200], cluster: cl })
    await s.contract({ parcel: p, signedOn: '2019-01-01', agreedStartOn: '2019-06-01' })
    await expectFresh()
    const storedArea = () => t.db.one(`SELECT area_m2::float8 AS a FROM analysis.parcel_status WHERE parcel_id = $1 AND rule = 'idle.not_started'`, [p], (r) => r.a)
    const remainderOf = (fn: string) => noJit((q) => q.one(`SELECT remainder_m2::float8 AS r FROM ${fn}($1, $2::bigint[])`, [SNAP, [bt]], (r) => r.r))
    const areaBefore = await storedArea()
    const remainderBefore = await remainderOf('analysis.unsupplied_at')

    // the parcel shrinks to half, in a write that defers its refresh
    let other = 0
    await t.db.tx(async (tx) => {
      await tx.none(`SET LOCAL onemap.analysis = 'deferred'`)
      await tx.none(`UPDATE parcel SET geom = ST_Multi(ST_MakeEnvelope(ST_XMin(geom), ST_YMin(geom), (ST_XMin(geom) + ST_XMax(geom)) / 2, ST_YMax(geom), 4490)) WHERE id = $1`, [p])
      other = await tx.one(`INSERT INTO parcel (code, county_code, cluster_code, stage, geom)
        SELECT 'DEFER-2', county_code, cluster_code, stage, ST_Translate(geom, 0.01, 0) FROM parcel WHERE id = $1 RETURNING id`, [p], (r) => Number(r.id))
      // nothing refreshed inside it: the stored area is still the old one
      expect(await tx.one(`SELECT area_m2::float8 AS a FROM analysis.parcel_status WHERE parcel_id = $1 AND rule = 'idle.not_started'`, [p], (r) => r.a)).toBe(areaBefore)
    })
    // committed with the parcels: the parcel twice (its id; its old and new shapes), the insert once
    const queued = await t.db.any('SELECT parcel_id, geom IS NOT NULL AS shape FROM analysis.pending_parcel ORDER BY seq')
    expect(queued).toEqual([
      { parcel_id: p, shape: false }, { parcel_id: null, shape: true }, { parcel_id: null, shape: true },
      { parcel_id: other, shape: true },
    ])
    expect(await storedArea()).toBe(areaBefore)
    // …yet every reader answers as the live computation while anything is queued
    expect(await t.db.one('SELECT analysis.materialised_for($1) AS m', [SNAP], (r) => r.m)).toBe(false)
    expect(await t.db.one('SELECT analysis.materialised_for($1, $2) AS m', [SNAP, ids.c], (r) => r.m)).toBe(true)
    const liveArea = await noJit((q) => q.one(`SELECT area_m2::float8 AS a FROM analysis.findings($1, ARRAY[$2::bigint]) WHERE rule = 'idle.not_started'`, [SNAP, p], (r) => r.a))
    // the finding's area is the parcel's new ellipsoidal area (PostGIS spheroid), about half the old one
    const parcelArea = await t.db.one('SELECT area_m2 FROM parcel WHERE id = $1', [p], (r) => r.area_m2)
    expect(liveArea).toBeCloseTo(parcelArea, 1)
    expect(liveArea).toBeLessThan(areaBefore * 0.6)
    const atArea = await noJit((q) => q.one(`SELECT area_m2::float8 AS a FROM analysis.findings_at($1, ARRAY[$2::bigint]) WHERE rule = 'idle.not_started'`, [SNAP, p], (r) => r.a))
    expect(atArea).toBe(liveArea)
    const card = await t.db.one('SELECT analysis.parcel_classifications($1, $2, true) AS c', [p, SNAP], (r) => r.c)
    const live = await t.db.one(`SELECT jsonb_agg(jsonb_build_object('rule', f.rule, 'area', f.area_m2) ORDER BY f.rule) AS j FROM analysis.findings($1, ARRAY[$2::bigint]) f`, [SNAP, p], (r) => r.j)
    expect(card.map((c: { rule: string }) => c.rule).sort()).toEqual(live.map((c: { rule: string }) => c.rule))
    const liveRemainder = await remainderOf('analysis.unsupplied')
    expect(liveRemainder).toBeGreaterThan(remainderBefore + 1000) // half of the 200 m × 200 m parcel is unsupplied again
    expect(await remainderOf('analysis.unsupplied_at')).toBe(liveRemainder)
    expect(await t.db.one('SELECT (analysis.summary($1) ->> \'materialised\')::boolean AS m', [SNAP], (r) => r.m)).toBe(false)

    // Only what the queue leaves stale is computed live: the rows of a parcel that is not queued
    // still come from the materialised table (a marker planted there, in a transaction rolled back,
    // shows through), while the queued parcel's row is the live one.
    const ROLLBACK = new Error('rollback')
    await expect(t.db.tx(async (tx) => {
      await tx.none('SET LOCAL jit = off')
      const unqueued = await tx.one(`SELECT min(parcel_id) AS id FROM analysis.parcel_status
        WHERE parcel_id NOT IN (SELECT parcel_id FROM analysis.pending_parcel WHERE parcel_id IS NOT NULL)`, [], (r) => Number(r.id))
      await tx.none(`UPDATE analysis.parcel_status SET reason = reason || '{"marker": "stored"}' WHERE parcel_id = $1`, [unqueued])
      const seen = await tx.map(`SELECT parcel_id, reason ->> 'marker' AS marker, area_m2::float8 AS a FROM analysis.findings_at($1) WHERE parcel_id IN ($2, $3)`,
        [SNAP, unqueued, p], (r) => [Number(r.parcel_id), r.marker, r.a])
      expect(seen.filter(([id]) => id === unqueued).map(([, m]) => m)).toEqual(expect.arrayContaining(['stored']))
      expect(seen.filter(([id]) => id === p).map(([, , a]) => a)).toContain(liveArea)
      throw ROLLBACK
    })).rejects.toBe(ROLLBACK)
    // Whole-city answers while queued are those the caught-up tables will give (compared below).
    const cityAt = () => noJit((q) => q.one(`SELECT concat_ws(' | ',
        (SELECT json_agg(f ORDER BY parcel_id, rule) FROM analysis.findings_at($1) f),
        (SELECT json_agg(u ORDER BY batch_id) FROM analysis.unsupplied_at($1) u),
        (SELECT json_agg(c ORDER BY change_id) FROM analysis.used_before_supply_changes_at($1) c)) AS j`, [SNAP], (r) => r.j as string))
    const cityWhileQueued = await cityAt()
    const summaryWhileQueued = await t.db.one(`SELECT (analysis.summary($1) - 'materialised')::text AS j`, [SNAP], (r) => r.j)

    // worked off a row at a time (chunks), then the stored tables equal the live computation again
    const taken: number[] = []
    for (let n = 1; n > 0;) taken.push((n = await t.db.one('SELECT analysis.process_pending(1) AS n', [], (r) => r.n)))
    expect(taken).toEqual([1, 1, 1, 1, 0])
    expect(await t.db.one('SELECT count(*)::int AS n FROM analysis.pending_parcel', [], (r) => r.n)).toBe(0)
    expect(await storedArea()).toBeCloseTo(liveArea, 6)
    expect(await t.db.one('SELECT analysis.materialised_for($1) AS m', [SNAP], (r) => r.m)).toBe(true)
    await expectFresh()
    expect(await cityAt()).toBe(cityWhileQueued)
    expect(await t.db.one(`SELECT (analysis.summary($1) - 'materialised')::text AS j`, [SNAP], (r) => r.j)).toBe(summaryWhileQueued)
  })

  it('the rules give a set of parcels, batches or changes exactly what the whole city gives them, however the set is passed', async () => {
    // a literal array (planned with the ids in view), a sub-select (known only when it runs) and
    // the whole computation filtered: the same rows, byte for byte
    const parcels = await t.db.map('SELECT id FROM parcel ORDER BY id', [], (r) => Number(r.id))
    const batches = await t.db.map('SELECT id FROM approval_batch ORDER BY id', [], (r) => Number(r.id))
    for (const [fn, key, set] of [['analysis.findings', 'parcel_id', parcels], ['analysis.unsupplied', 'batch_id', batches],
      ['analysis.findings_live', 'parcel_id', parcels], ['analysis.unsupplied_live', 'batch_id', batches]] as const) {
      const some = set.filter((_, i) => i % 2 === 0)
      const order = key === 'parcel_id' ? 'parcel_id, rule' : 'batch_id'
      const [literal, subselect, filtered] = await noJit((q) => Promise.all([
        q.one(`SELECT json_agg(x ORDER BY ${order})::text AS j FROM ${fn}($1, $2::bigint[]) x`, [SNAP, some], (r) => r.j),
        q.one(`SELECT json_agg(x ORDER BY ${order})::text AS j FROM ${fn}($1, (SELECT $2::bigint[])) x`, [SNAP, some], (r) => r.j),
        q.one(`SELECT json_agg(x ORDER BY ${order})::text AS j FROM ${fn}($1) x WHERE ${key} = ANY($2::bigint[])`, [SNAP, some], (r) => r.j),
      ]))
      expect(literal, fn).not.toBeNull()
      expect(subselect, fn).toBe(literal)
      expect(filtered, fn).toBe(literal)
    }
  })

  it('plans a large refresh for its own key set and gives the transaction its plan cache mode back', async () => {
    // every parcel, and ids no parcel has (nothing to refresh for those): over the 50 of a large set
    const all: number[] = [...await t.db.map('SELECT id FROM parcel ORDER BY id', [], (r) => Number(r.id)),
      ...Array.from({ length: 60 }, (_, i) => 1_000_000 + i)]
    const modes = await t.db.tx(async (tx) => {
      await tx.none("SET LOCAL plan_cache_mode = 'force_generic_plan'")
      // seven large refreshes in one session: past the five custom plans PostgreSQL tries first
      for (let i = 0; i < 7; i++) await tx.one('SELECT analysis.touch($1::bigint[], NULL, NULL)', [all])
      const after = await tx.one('SELECT current_setting($1) AS m', ['plan_cache_mode'], (r) => r.m)
      await tx.one('SELECT analysis.touch($1::bigint[], NULL, NULL)', [all.slice(0, 3)])
      return [after, await tx.one('SELECT current_setting($1) AS m', ['plan_cache_mode'], (r) => r.m)]
    })
    expect(modes).toEqual(['force_generic_plan', 'force_generic_plan'])
    await expectFresh()
  })

  it('a full recompute empties the queue: it covers whatever was queued before it', async () => {
    await t.db.tx(async (tx) => {
      await tx.none(`SET LOCAL onemap.analysis = 'deferred'`)
      await tx.none(`UPDATE parcel SET land_use = '工业用地（更正）' WHERE id = $1`, [ids.c])
    })
    expect(await t.db.one('SELECT count(*)::int AS n FROM analysis.pending_parcel', [], (r) => r.n)).toBe(1)
    await t.db.one('SELECT analysis.refresh_all($1)', [SNAP])
    expect(await t.db.one('SELECT count(*)::int AS n FROM analysis.pending_parcel', [], (r) => r.n)).toBe(0)
    await expectFresh()
  })
})

describe('a large refresh computes the parcel state once for the four parcel rules', () => {
  const idleRules = (q: ITask<unknown>, d: string, p: number) =>
    q.map(`SELECT rule FROM analysis.findings($1, ARRAY[$2::bigint]) WHERE classification = 'idle' ORDER BY rule`, [d, p], (r) => r.rule)

  it('the rules read analysis.parcel_state_work while the transaction has it set for the date, and nothing else', async () => {
    const cl = await s.cluster({ code: 'work-cl', rect: [60_000, 0, 1000, 1000], leading: ['装备制造'] })
    const p = await s.parcel({ rect: [60_000, 0, 200, 200], cluster: cl })
    await s.contract({ parcel: p, signedOn: '2019-01-01', agreedStartOn: '2019-06-01' })
    const seen = await noJit(async (q) => {
      const before = await idleRules(q, SNAP, p)
      await q.one('SELECT analysis.state_work_fill($1, $2::bigint[])', [SNAP, [p]])
      const filled = await q.one('SELECT count(*)::int AS n FROM analysis.parcel_state_work', [], (r) => r.n)
      // a start recorded in the work rows only: read from there, the parcel is no longer idle.not_started
      await q.none(`UPDATE analysis.parcel_state_work SET build_on = DATE '2019-07-01', build_event_id = 0 WHERE parcel_id = $1`, [p])
      const fromWork = await idleRules(q, SNAP, p)
      const otherDate = await idleRules(q, '2024-06-29', p)
      await q.one('SELECT analysis.state_work_clear()')
      const after = await idleRules(q, SNAP, p)
      const left = await q.one(`SELECT count(*)::int AS n, current_setting('onemap.parcel_state_work', true) AS setting
                                FROM analysis.parcel_state_work`)
      return { before, filled, fromWork, otherDate, after, left }
    })
    expect(seen).toEqual({
      before: ['idle.not_started'], filled: 1, fromWork: [], otherDate: ['idle.not_started'], after: ['idle.not_started'],
      left: { n: 0, setting: '' },
    })
  })

  it('a refresh of over 200 parcels and a full recompute give the live rows and leave the work table empty', async () => {
    const all: number[] = [...await t.db.map('SELECT id FROM parcel ORDER BY id', [], (r) => Number(r.id)),
      ...Array.from({ length: 250 }, (_, i) => 2_000_000 + i)]
    const inTx = await t.db.tx(async (tx) => {
      await tx.one('SELECT analysis.touch($1::bigint[], NULL, NULL)', [all])
      return tx.one(`SELECT (SELECT count(*) FROM analysis.parcel_state_work)::int AS n,
                            coalesce(current_setting('onemap.parcel_state_work', true), '') AS setting`)
    })
    expect(inTx).toEqual({ n: 0, setting: '' })
    await expectFresh()
    const after = await t.db.tx(async (tx) => {
      await tx.one('SELECT analysis.refresh_all($1)', [SNAP])
      return tx.one(`SELECT (SELECT count(*) FROM analysis.parcel_state_work)::int AS n,
                            coalesce(current_setting('onemap.parcel_state_work', true), '') AS setting`)
    })
    expect(after).toEqual({ n: 0, setting: '' })
    await expectFresh()
  })
})
