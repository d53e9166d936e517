/** The patrol alert rules (DOMAIN.md "Dynamic monitoring") on hand-built scenarios: each rule firing and its near miss,
 * overlap areas checked against an independent computation (proj4 + equal-area, server/alerts/
 * test-land.ts, 0.01 %), shares exactly at the threshold, a change touching two parcels, the same
 * change reported in two periods (one alert, linked), and a scan repeated without duplicates.
 * Every scenario lies in its own strip of land (x offsets 5 km apart) inside one big cluster. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { Scenario } from '../test/scenario'
import { areaOf, candidates, expectClose, insertChange, type Candidate } from '../test/alerts-land'

let t: TestDatabase
let s: Scenario

beforeAll(async () => {
  t = await createTestDatabase()
  s = new Scenario(t.db, '410311')
  await s.ensureCounty()
  await s.cluster({ code: 'big', rect: [-1000, -1000, 60000, 11000] })
})
afterAll(async () => t.drop())

const AS_OF = '2024-06-30'
const byType = (cs: Candidate[], type: string) => cs.filter((c) => c.type === type)
const cite = (c: Candidate, key: string) => (c.reason.thresholds as { key: string; value: unknown }[]).find((x) => x.key === key)

describe('construction on land with no supply contract (未供即用, high)', () => {
  it('fires on a parcel with no contract in force when imaged, not on one supplied before', async () => {
    const bare = await s.parcel({ rect: [0, 0, 100, 100] })
    const late = await s.parcel({ rect: [200, 0, 100, 100] })
    await s.contract({ parcel: late, signedOn: '2024-05-01', agreedStartOn: '2024-09-01' }) // signed after the image
    const supplied = await s.parcel({ rect: [400, 0, 100, 100] })
    await s.contract({ parcel: supplied, signedOn: '2022-01-01', agreedStartOn: '2030-01-01' })
    const c1 = await insertChange(t.db, { rect: [20, 20, 60, 60], period: '2024Q1', imageAfter: '2024-03-31' })
    const c2 = await insertChange(t.db, { rect: [220, 20, 60, 60], period: '2024Q1', imageAfter: '2024-03-31' })
    const c3 = await insertChange(t.db, { rect: [420, 20, 60, 60], period: '2024Q1', imageAfter: '2024-03-31' })

    const cs = await candidates(t.db, AS_OF, [c1, c2, c3])
    const ubs = byType(cs, 'construction_on_unsupplied')
    expect(ubs.map((c) => c.parcel_id)).toEqual([bare, late])
    const [a] = ubs
    expect(a).toMatchObject({ severity: 'high', change_id: c1, root_change_id: c1, subject_key: `change:${c1}|parcel:${bare}`, county_code: '410311', batch_id: null })
    expectClose(a!.overlap_m2!, areaOf([20, 20, 60, 60]))
    expect(a!.overlap_share).toBe(1)
    expect(a!.reason.measured.contract_in_force_at_image_after).toBe(false)
    expect(cite(a!, 'alert_overlap_share')).toMatchObject({ value: 0.1, county_code: null, effective_from: '1900-01-01' })
    expect(a!.reason.sources[0]).toMatchObject({ table: 'rs_change', id: c1, image_before: '2024-01-01', image_after: '2024-03-31' })
    // the supplied parcel: a start to verify instead; nothing lies outside the cluster or on bare land
    expect(cs.filter((c) => c.change_id === c3).map((c) => c.type)).toEqual(['construction_on_idle'])
    expect(byType(cs, 'change_outside_cluster')).toEqual([])
    expect(cs.filter((c) => c.subject_key.endsWith('|land'))).toEqual([])
  })

  it('a change touching two parcels makes one alert per parcel, with its own overlap and share', async () => {
    const a = await s.parcel({ rect: [5000, 0, 100, 100] })
    const b = await s.parcel({ rect: [5100, 0, 100, 100] })
    const c = await insertChange(t.db, { rect: [5090, 10, 40, 50], period: '2024Q1', imageAfter: '2024-03-31' })
    const cs = byType(await candidates(t.db, AS_OF, [c]), 'construction_on_unsupplied')
    expect(cs.map((x) => x.parcel_id)).toEqual([a, b])
    expectClose(cs[0]!.overlap_m2!, areaOf([5090, 10, 10, 50]))
    expectClose(cs[1]!.overlap_m2!, areaOf([5100, 10, 30, 50]))
    expect(cs[0]!.overlap_share).toBeCloseTo(areaOf([5090, 10, 10, 50]) / areaOf([5090, 10, 40, 50]), 5) // 0.25
    expect(cs[1]!.overlap_share).toBeCloseTo(0.75, 5)
    // the change lies wholly on the two parcels: no part on bare land
    expectClose(cs[0]!.overlap_m2! + cs[1]!.overlap_m2!, areaOf([5090, 10, 40, 50]))
    expect(cs.map((x) => x.subject_key)).toEqual([`change:${c}|parcel:${a}`, `change:${c}|parcel:${b}`])
  })

  it('on approved land not yet parcelled: one alert for the bare part, naming the batch it lies on', async () => {
    const batch = await s.batch({ rect: [30000, 0, 300, 200], approvedOn: '2019-03-01', cluster: 'big' })
    const p = await s.parcel({ rect: [30000, 0, 100, 200] })
    await s.contract({ parcel: p, signedOn: '2019-05-01', agreedStartOn: '2019-09-01' })
    await s.event({ parcel: p, kind: 'start', on: '2019-10-01' })
    const c = await insertChange(t.db, { rect: [30080, 50, 60, 50], period: '2024Q1', imageAfter: '2024-03-31' })
    const cs = await candidates(t.db, AS_OF, [c])
    expect(cs.map((x) => x.type)).toEqual(['construction_on_unsupplied']) // the started parcel is not alerted
    const [land] = cs
    expect(land).toMatchObject({ subject_key: `change:${c}|land`, parcel_id: null, batch_id: batch, cluster_code: 'big', severity: 'high' })
    expectClose(land!.overlap_m2!, areaOf([30100, 50, 40, 50]))
    expect(land!.overlap_share).toBeCloseTo(2 / 3, 5)
    expect(land!.reason.measured.approved).toBe(true)
    expect(land!.reason.sources[1]).toMatchObject({ table: 'approval_batch', id: batch })
  })

  it('on land never approved, inside a cluster: suspected illegal use (no batch)', async () => {
    const c = await insertChange(t.db, { rect: [31000, 500, 50, 40], period: '2024Q1', imageAfter: '2024-03-31' })
    const [x, ...rest] = await candidates(t.db, AS_OF, [c])
    expect(rest).toEqual([])
    expect(x).toMatchObject({ type: 'construction_on_unsupplied', batch_id: null, parcel_id: null, overlap_share: 1 })
    expect(x!.reason.measured.approved).toBe(false)
    expect(x!.reason.label).toMatch(/违法用地/)
  })

  it('demolition and earth-moving are not construction (construction_change_types)', async () => {
    await s.parcel({ rect: [600, 0, 100, 100] })
    const d = await insertChange(t.db, { rect: [620, 20, 60, 60], period: '2024Q1', imageAfter: '2024-03-31', type: 'demolition' })
    const e = await insertChange(t.db, { rect: [620, 20, 60, 60], period: '2024Q1', imageAfter: '2024-03-30', type: 'earth_moving' })
    expect(await candidates(t.db, AS_OF, [d, e])).toEqual([])
  })
})

describe('overlap thresholds (alert_overlap_share, alert_overlap_m2), per county', () => {
  it('a share of exactly 0.10 fires, 0.099 does not', async () => {
    const c = new Scenario(t.db, '410322')
    await c.ensureCounty()
    await c.rule({ key: 'alert_overlap_m2', value: 1e9, from: '2000-01-01' }) // the share alone decides
    const p1 = await c.parcel({ rect: [10090, 0, 100, 100] })
    const p2 = await c.parcel({ rect: [10090.1, 200, 100, 100] })
    const c1 = await insertChange(t.db, { rect: [10000, 0, 100, 100], period: '2024Q1', imageAfter: '2024-03-31', county: '410322' })
    const c2 = await insertChange(t.db, { rect: [10000, 200, 100, 100], period: '2024Q1', imageAfter: '2024-03-31', county: '410322' })
    // independently: 10 m of a 100 m wide change, and 9.9 m of it
    expect(areaOf([10090, 0, 10, 100]) / areaOf([10000, 0, 100, 100])).toBeCloseTo(0.1, 6)
    const cs = byType(await candidates(t.db, AS_OF, [c1, c2]), 'construction_on_unsupplied').filter((x) => x.parcel_id !== null)
    expect(cs.map((x) => x.parcel_id)).toEqual([p1])
    expect(cs[0]!.overlap_share).toBe(0.1)
    expect(cite(cs[0]!, 'alert_overlap_m2')).toMatchObject({ value: 1e9, county_code: '410322' })
    // the 0.099 parcel: measured, under the threshold
    const share2 = areaOf([10090.1, 200, 9.9, 100]) / areaOf([10000, 200, 100, 100])
    expect(share2).toBeCloseTo(0.099, 6)
    expect(p2).toBeGreaterThan(0)
  })

  it('an overlap of at least alert_overlap_m2 fires whatever its share; the boundary is inclusive', async () => {
    const c = new Scenario(t.db, '410323')
    await c.ensureCounty()
    await c.rule({ key: 'alert_overlap_share', value: 0.99, from: '2000-01-01' }) // the area alone decides
    const p = await c.parcel({ rect: [10090, 400, 100, 100] })
    const ch = await insertChange(t.db, { rect: [10000, 400, 100, 100], period: '2024Q1', imageAfter: '2024-03-31', county: '410323' })
    const expected = areaOf([10090, 400, 10, 100]) // ≈ 1000 m², share 0.1
    const fire = async (m2: number) => {
      await t.db.none(`DELETE FROM county_rule WHERE county_code = '410323' AND key = 'alert_overlap_m2'`)
      await c.rule({ key: 'alert_overlap_m2', value: m2, from: '2000-01-01' })
      return byType(await candidates(t.db, AS_OF, [ch]), 'construction_on_unsupplied').filter((x) => x.parcel_id === p)
    }
    expect(await fire(expected - 0.5)).toHaveLength(1)
    expect(await fire(expected + 0.5)).toHaveLength(0)
    const [hit] = await fire(expected - 0.5)
    expectClose(hit!.overlap_m2!, expected)
    expect(await fire(hit!.overlap_m2!)).toHaveLength(1) // at the threshold (0.01 m² resolution)
    expect(await fire(hit!.overlap_m2! + 0.01)).toHaveLength(0)
  })
})

describe('construction on an idle or not-yet-started parcel (verify start)', () => {
  it('fires on an idle parcel and on one not yet started; not on one started, nor on one completed', async () => {
    const idle = await s.parcel({ rect: [15000, 0, 100, 100] })
    await s.contract({ parcel: idle, signedOn: '2020-01-01', agreedStartOn: '2020-06-01' })
    const fresh = await s.parcel({ rect: [15200, 0, 100, 100] })
    await s.contract({ parcel: fresh, signedOn: '2023-06-01', agreedStartOn: '2024-12-01' })
    const started = await s.parcel({ rect: [15400, 0, 100, 100] })
    await s.contract({ parcel: started, signedOn: '2022-01-01', agreedStartOn: '2022-06-01' })
    await s.event({ parcel: started, kind: 'start', on: '2022-06-01' })
    const halted = await s.parcel({ rect: [15600, 0, 100, 100] })
    await s.contract({ parcel: halted, signedOn: '2020-01-01', agreedStartOn: '2020-06-01', totalInvestmentWan: 1000, plannedAreaM2: 9000 })
    await s.event({ parcel: halted, kind: 'start', on: '2020-06-01' })
    await s.event({ parcel: halted, kind: 'halt', on: '2021-01-01', developedM2: 500, investedWan: 50 })
    const done = await s.parcel({ rect: [15800, 0, 100, 100] })
    await s.contract({ parcel: done, signedOn: '2019-01-01', agreedStartOn: '2019-06-01' })
    await s.event({ parcel: done, kind: 'start', on: '2019-06-01' })
    await s.event({ parcel: done, kind: 'completion', on: '2021-06-01' })
    const ids = []
    for (const x of [15000, 15200, 15400, 15600, 15800]) {
      ids.push(await insertChange(t.db, { rect: [x + 20, 20, 60, 60], period: '2024Q1', imageAfter: '2024-03-31' }))
    }
    const cs = await candidates(t.db, AS_OF, ids)
    expect(cs.map((c) => [c.type, c.parcel_id])).toEqual([
      ['construction_on_idle', idle], ['construction_on_idle', fresh], ['construction_on_idle', halted],
    ])
    const [a, b, h] = cs
    expect(a!.severity).toBe('medium')
    // idle (2012 art. 2): no start 1490 days after the agreed start, beyond idle_days 365
    expect(a!.reason.measured).toMatchObject({ idle: true, started: false, days_since_agreed_start: 1490 })
    expect(a!.reason.label).toMatch(/^闲置宗地/)
    expect(b!.reason.measured).toMatchObject({ idle: false, started: false, agreed_start_on: '2024-12-01' })
    expect(h!.reason.measured).toMatchObject({ idle: false, started: true, halted: true, halted_since: '2021-01-01', halted_days: 1276 })
    expect(h!.reason.label).toMatch(/^停工宗地/)
    // the same as the analysis engine says of these parcels
    const engine = await t.db.map(`SELECT parcel_id FROM analysis.idle($1, $2::bigint[]) ORDER BY parcel_id`,
      [AS_OF, [idle, fresh, started, halted, done]], (r: { parcel_id: number }) => r.parcel_id)
    expect(engine).toEqual([idle, halted].sort((x, y) => x - y))
    expect(a!.contract_id).not.toBeNull()
    expectClose(a!.overlap_m2!, areaOf([15020, 20, 60, 60]))
  })
})

describe('demolition on a producing parcel', () => {
  it('fires when completed before the image or staged producing; not on a parcel still being built', async () => {
    const made = await s.parcel({ rect: [20000, 0, 100, 100] })
    await s.contract({ parcel: made, signedOn: '2018-01-01', agreedStartOn: '2018-06-01' })
    await s.event({ parcel: made, kind: 'start', on: '2018-06-01' })
    await s.event({ parcel: made, kind: 'completion', on: '2020-01-01' })
    const staged = await s.parcel({ rect: [20200, 0, 100, 100] })
    await t.db.none(`UPDATE parcel SET stage = 'producing' WHERE id = $1`, [staged])
    const building = await s.parcel({ rect: [20400, 0, 100, 100] })
    await s.contract({ parcel: building, signedOn: '2022-01-01', agreedStartOn: '2022-06-01' })
    await s.event({ parcel: building, kind: 'start', on: '2022-06-01' })
    const later = await s.parcel({ rect: [20600, 0, 100, 100] }) // completed only after the image
    await s.contract({ parcel: later, signedOn: '2021-01-01', agreedStartOn: '2021-06-01' })
    await s.event({ parcel: later, kind: 'start', on: '2021-06-01' })
    await s.event({ parcel: later, kind: 'completion', on: '2024-05-01' })
    const ids = []
    for (const x of [20000, 20200, 20400, 20600]) {
      ids.push(await insertChange(t.db, { rect: [x + 10, 10, 50, 50], period: '2024Q1', imageAfter: '2024-03-31', type: 'demolition' }))
    }
    const cs = await candidates(t.db, AS_OF, ids)
    expect(cs.map((c) => [c.type, c.parcel_id])).toEqual([['demolition_on_producing', made], ['demolition_on_producing', staged]])
    expect(cs[0]!.reason.measured).toMatchObject({ completed_on: '2020-01-01' })
    expectClose(cs[0]!.overlap_m2!, areaOf([20010, 10, 50, 50]))
  })
})

describe('a change outside every cluster', () => {
  it('fires for the part outside beyond the thresholds, whatever the change type; a change 5 % outside does not', async () => {
    const out = await insertChange(t.db, { rect: [25000, -5000, 80, 50], period: '2024Q1', imageAfter: '2024-03-31', type: 'earth_moving' })
    const edge = await insertChange(t.db, { rect: [25200, -1005, 20, 100], period: '2024Q1', imageAfter: '2024-03-31', type: 'earth_moving' })
    const cs = await candidates(t.db, AS_OF, [out, edge])
    expect(cs.map((c) => [c.type, c.change_id])).toEqual([['change_outside_cluster', out]])
    expect(cs[0]).toMatchObject({ severity: 'low', county_code: '410311', cluster_code: null, overlap_share: 1, subject_key: `change:${out}|outside` })
    expectClose(cs[0]!.overlap_m2!, areaOf([25000, -5000, 80, 50]))
    // the edge change: 5 m × 20 m outside = 100 m², share 0.05 — under both thresholds
    expect(areaOf([25200, -1005, 20, 5]) / areaOf([25200, -1005, 20, 100])).toBeCloseTo(0.05, 6)
  })
})

describe('a supplied parcel past its agreed start with no change and no start (suspected idle)', () => {
  it('fires 91 days past the agreed start, not 90; an activity change since signing, a start or a government delay prevent it', async () => {
    const mk = async (x: number, agreed: string, signed = '2023-01-01') => {
      const p = await s.parcel({ rect: [x, 5000, 100, 100] })
      const k = await s.contract({ parcel: p, signedOn: signed, agreedStartOn: agreed })
      return { p, k }
    }
    const d90 = await mk(40000, '2024-04-01')
    const d91 = await mk(40200, '2024-03-31')
    const moved = await mk(40400, '2023-06-01')
    await insertChange(t.db, { rect: [40420, 5020, 30, 30], period: '2023Q3', imageAfter: '2023-08-31', type: 'earth_moving' })
    const before = await mk(40600, '2023-06-01')
    await insertChange(t.db, { rect: [40620, 5020, 30, 30], period: '2022Q3', imageAfter: '2022-08-31', type: 'earth_moving' }) // before signing
    const startedP = await mk(40800, '2023-06-01')
    await s.event({ parcel: startedP.p, kind: 'start', on: '2023-07-01' })
    const gov = await mk(41000, '2023-06-01')
    await s.event({ parcel: gov.p, kind: 'inspection', on: '2023-07-01', governmentCaused: true, note: '规划调整' })
    const retired = await mk(41200, '2023-06-01')
    await t.db.none(`UPDATE parcel SET retired_at = '2024-01-01', retired_reason = '收回' WHERE id = $1`, [retired.p])

    const mine = new Set([d90, d91, moved, before, startedP, gov, retired].map((x) => x.p))
    const cs = (await candidates(t.db, AS_OF, null, ['no_change_after_start_date'])).filter((c) => mine.has(c.parcel_id!))
    expect(cs.map((c) => c.parcel_id)).toEqual([d91.p, before.p])
    expect(cs[0]).toMatchObject({ subject_key: `contract:${d91.k}`, contract_id: d91.k, change_id: null, severity: 'medium' })
    expect(cs[0]!.reason.measured.days_past_agreed_start).toBe(91)
    expect(cite(cs[0]!, 'alert_no_change_grace_days')).toMatchObject({ value: 90 })
    // with change ids given (a commit), the parcel scan does not run
    expect(await candidates(t.db, AS_OF, [-1], ['no_change_after_start_date'])).toEqual([])
  })
})

describe('analysis.refresh_alerts: one alert per subject, repeats linked, scans without duplicates', () => {
  const alertsOf = (parcel: number) => t.db.any(
    `SELECT a.id, a.type, a.status, a.change_id, a.subject_key, a.due_on, a.as_of,
            (SELECT array_agg(ac.change_id ORDER BY ac.change_id)::int[] FROM alert_change ac WHERE ac.alert_id = a.id) AS detections
     FROM alert a WHERE a.parcel_id = $1 ORDER BY a.id`, [parcel])

  it('the same change reported in two periods makes one alert, with both detections linked', async () => {
    const p = await s.parcel({ rect: [35000, 0, 100, 100] })
    const a = await insertChange(t.db, { rect: [35020, 20, 60, 60], period: '2024Q1', imageAfter: '2024-03-31' })
    const r1 = await t.db.one(`SELECT analysis.refresh_alerts('2024-06-30', $1::bigint[]) AS r`, [[a]], (x) => x.r)
    expect(r1).toMatchObject({ created: 1, detections_linked: 1, changes_linked: 0 })
    // 2024Q3: the same building, outlined a little differently (55 × 55 m of 60 × 60 m in common)
    const b = await insertChange(t.db, { rect: [35025, 25, 60, 60], period: '2024Q3', imageAfter: '2024-09-30' })
    const other = await insertChange(t.db, { rect: [35000, 300, 30, 30], period: '2024Q3', imageAfter: '2024-09-30' })
    const r2 = await t.db.one(`SELECT analysis.refresh_alerts('2024-12-31', $1::bigint[]) AS r`, [[b, other]], (x) => x.r)
    expect(r2).toMatchObject({ created: 1, changes_linked: 1 }) // `other` is a new change on no parcel
    expect(await t.db.one('SELECT linked_to FROM rs_change WHERE id = $1', [b], (x) => x.linked_to)).toBe(a)
    expect(await t.db.one('SELECT linked_to FROM rs_change WHERE id = $1', [other], (x) => x.linked_to)).toBeNull()
    const [al, ...more] = await alertsOf(p)
    expect(more).toEqual([])
    expect(al).toMatchObject({ type: 'construction_on_unsupplied', change_id: a, subject_key: `change:${a}|parcel:${p}`, detections: [a, b], as_of: '2024-06-30' })

    // once closed, a third detection still does not open it again: it is linked to it
    await t.db.none(`UPDATE alert SET status = 'closed' WHERE id = $1`, [al.id])
    const c = await insertChange(t.db, { rect: [35022, 22, 58, 58], period: '2025Q1', imageAfter: '2025-03-31' })
    const r3 = await t.db.one(`SELECT analysis.refresh_alerts('2025-06-30', $1::bigint[]) AS r`, [[c]], (x) => x.r)
    expect(r3).toMatchObject({ created: 0, changes_linked: 1, detections_linked: 1 })
    expect((await alertsOf(p)).map((x) => x.detections)).toEqual([[a, b, c]])
  })

  it("a repeat that links to an earlier detection of another type keeps the first firing detection as the alert’s change", async () => {
    const batch = await s.batch({ rect: [36000, 0, 200, 200], approvedOn: '2020-01-01', cluster: 'big' })
    const e = await insertChange(t.db, { rect: [36050, 50, 80, 60], period: '2024Q1', imageAfter: '2024-03-31', type: 'earth_moving' })
    const n = await insertChange(t.db, { rect: [36050, 50, 80, 60], period: '2024Q3', imageAfter: '2024-09-30' })
    await t.db.one(`SELECT analysis.refresh_alerts('2024-12-31', $1::bigint[])`, [[e, n]])
    const rows = await t.db.any(`SELECT change_id, subject_key, batch_id FROM alert WHERE batch_id = $1`, [batch])
    expect(rows).toEqual([{ change_id: n, subject_key: `change:${e}|land`, batch_id: batch }])
  })

  it('one change and one parcel: a repeat firing another rule waits while the first alert is open', async () => {
    const p = await s.parcel({ rect: [37000, 0, 100, 100] })
    const a = await insertChange(t.db, { rect: [37020, 20, 60, 60], period: '2024Q1', imageAfter: '2024-03-31' })
    await t.db.one(`SELECT analysis.refresh_alerts('2024-06-30', $1::bigint[])`, [[a]])
    // supplied after the first image: the second detection is construction on a parcel not yet started
    await s.contract({ parcel: p, signedOn: '2024-05-01', agreedStartOn: '2030-01-01' })
    const b = await insertChange(t.db, { rect: [37021, 21, 60, 60], period: '2024Q3', imageAfter: '2024-09-30' })
    await t.db.one(`SELECT analysis.refresh_alerts('2024-12-31', $1::bigint[])`, [[b]])
    expect((await alertsOf(p)).map((x) => [x.type, x.status])).toEqual([['construction_on_unsupplied', 'new']])
    await t.db.none(`UPDATE alert SET status = 'closed' WHERE parcel_id = $1`, [p])
    await t.db.one(`SELECT analysis.refresh_alerts('2024-12-31', $1::bigint[])`, [[b]])
    expect((await alertsOf(p)).map((x) => [x.type, x.status, x.subject_key, x.change_id])).toEqual([
      ['construction_on_unsupplied', 'closed', `change:${a}|parcel:${p}`, a],
      ['construction_on_idle', 'new', `change:${a}|parcel:${p}`, b],
    ])
  })

  it('the periodic rule run twice creates nothing the second time; due dates follow the severity', async () => {
    const p = await s.parcel({ rect: [42000, 5000, 100, 100] })
    await s.contract({ parcel: p, signedOn: '2023-01-01', agreedStartOn: '2023-06-01' })
    const first = await t.db.one(`SELECT analysis.refresh_alerts('${AS_OF}', NULL, ARRAY['no_change_after_start_date']) AS r`, [], (x) => x.r)
    expect(first.created).toBeGreaterThanOrEqual(1)
    const second = await t.db.one(`SELECT analysis.refresh_alerts('${AS_OF}', NULL, ARRAY['no_change_after_start_date']) AS r`, [], (x) => x.r)
    expect(second.created).toBe(0)
    expect(second.candidates).toBe(first.candidates)
    const [a, ...more] = await alertsOf(p)
    expect(more).toEqual([])
    const today = await t.db.one('SELECT luoyang_today()::text AS d', [], (x) => x.d)
    // medium: 15 days (alert_due_days)
    expect(a.due_on).toBe(new Date(Date.parse(today) + 15 * 86400_000).toISOString().slice(0, 10))
    // every insert is in the event log (一地一档), on the parcel's file
    const logged = await t.db.one(`SELECT count(*)::int AS n FROM event_log WHERE entity = 'alert' AND entity_id = $1 AND parcel_id = $2`, [String(a.id), p], (x) => x.n)
    expect(logged).toBe(1)
  })
})
