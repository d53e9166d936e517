/** Each rule of DOMAIN.md "Classifications the system computes" on small scenarios built by hand, at the exact boundaries of its
 * thresholds, asserting the outcome and the reason (rule, measured value, threshold, source). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { creditCode, Scenario } from '../test/scenario'

let t: TestDatabase
let s: Scenario

beforeAll(async () => {
  t = await createTestDatabase()
  s = new Scenario(t.db)
  await s.ensureCounty()
})
afterAll(async () => t.drop())

interface Finding {
  parcel_id: number
  classification: string
  rule: string
  inefficient_type: number | null
  stage: number | null
  suspended: boolean
  reason: Record<string, any>
}

async function findings(asOf: string, parcel: number, classification?: string): Promise<Finding[]> {
  return t.db.any(
    `SELECT parcel_id, classification, rule, inefficient_type, stage, suspended, reason
     FROM analysis.findings($1, $2::bigint[]) WHERE $3::text IS NULL OR classification = $3 ORDER BY rule`,
    [asOf, [parcel], classification ?? null],
  )
}

const rules = (fs: Finding[]) => fs.map((f) => f.rule)
const threshold = (f: Finding, key: string) => (f.reason.thresholds as any[]).find((x) => x.key === key)

describe('analysis.rule: county rules as data', () => {
  it('returns the city-wide default, then a county override from its effective date on', async () => {
    await s.ensureCounty('410381', '偃师测试')
    const v = (county: string, d: string) => t.db.one('SELECT analysis.rule($1, $2, $3) AS v', [county, 'halt_days', d], (r) => r.v)
    expect(await v('410381', '2024-01-01')).toBe(365)
    await s.rule({ county: '410381', key: 'halt_days', value: 200, from: '2024-07-01' })
    expect(await v('410381', '2024-06-30')).toBe(365)
    expect(await v('410381', '2024-07-01')).toBe(200)
    // Another county keeps the city default.
    expect(await v('410311', '2024-07-01')).toBe(365)
  })

  it('reads "1/3" as an exact fraction and refuses a missing rule instead of comparing with NULL', async () => {
    const third = await t.db.one(
      `SELECT analysis.rule_num(rules, 'idle_developed_share') = 1::numeric / 3 AS exact FROM analysis.rules_at('2024-01-01') WHERE county_code = '410311'`)
    expect(third.exact).toBe(true)
    await expect(t.db.one(`SELECT analysis.rule_num('{}'::jsonb, 'idle_days')`)).rejects.toThrow(/idle_days/)
  })
})

describe('闲置 idle (2012 measures art. 2)', () => {
  it('not started: 365 days after the agreed start is not idle, 366 is; stage 2 from 730 days', async () => {
    const p = await s.parcel({ rect: [0, 0, 100, 100] })
    const k = await s.contract({ parcel: p, signedOn: '2022-10-01', agreedStartOn: '2023-01-01' })
    expect(await findings('2024-01-01', p, 'idle')).toEqual([]) // 365 days
    const [f] = await findings('2024-01-02', p, 'idle') // 366 days
    expect(f!.rule).toBe('idle.not_started')
    expect(f!.stage).toBe(1)
    expect(f!.suspended).toBe(false)
    expect(f!.reason.measured.days_since_agreed_start).toBe(366)
    expect(threshold(f!, 'idle_days')).toMatchObject({ value: 365, county_code: null, effective_from: '1900-01-01' })
    expect(f!.reason.sources[0]).toMatchObject({ table: 'supply_contract', id: k, agreed_start_on: '2023-01-01' })
    expect((await findings('2024-12-30', p, 'idle'))[0]!.stage).toBe(1) // 729 days
    expect((await findings('2024-12-31', p, 'idle'))[0]!.stage).toBe(2) // 730 days
  })

  it('not evaluated before the contract is signed, nor once a start is recorded', async () => {
    const p = await s.parcel({ rect: [200, 0, 100, 100] })
    await s.contract({ parcel: p, signedOn: '2023-06-01', agreedStartOn: '2022-01-01' })
    expect(await findings('2023-05-31', p, 'idle')).toEqual([])
    expect(rules(await findings('2023-06-01', p, 'idle'))).toEqual(['idle.not_started'])
    await s.event({ parcel: p, kind: 'start', on: '2023-09-01' })
    expect(await findings('2023-09-01', p, 'idle')).toEqual([])
    // As of a date before the start, the start had not happened yet.
    expect(rules(await findings('2023-08-31', p, 'idle'))).toEqual(['idle.not_started'])
  })

  it('started and halted: developed under 1/3 halted 365 days is idle, 364 is not', async () => {
    const p = await s.parcel({ rect: [400, 0, 100, 100] })
    await s.contract({ parcel: p, signedOn: '2021-01-01', agreedStartOn: '2021-06-01', totalInvestmentWan: 100, plannedAreaM2: 300 })
    await s.event({ parcel: p, kind: 'start', on: '2021-06-01' })
    const halt = await s.event({ parcel: p, kind: 'halt', on: '2023-01-01', developedM2: 99.99, investedWan: 50 })
    expect(await findings('2023-12-31', p, 'idle')).toEqual([]) // 364 days
    const [f] = await findings('2024-01-01', p, 'idle') // 365 days
    expect(f!.rule).toBe('idle.halted')
    expect(f!.reason.measured).toMatchObject({ halted_days: 365, developed_m2: 99.99, developed_share: 0.3333, invested_share: 0.5 })
    expect(f!.reason.test).toMatch(/developed_share 0\.3333 < 0\.333333\b/)
    expect(f!.reason.test).not.toMatch(/invested_share/)
    expect(f!.reason.sources.map((x: any) => x.id)).toContain(halt)
    expect(threshold(f!, 'halt_days').value).toBe(365)
  })

  it('exactly 1/3 developed and exactly 25% invested is neither idle nor stalled (the texts say "under" and "over")', async () => {
    const p = await s.parcel({ rect: [600, 0, 100, 100] })
    await s.contract({ parcel: p, signedOn: '2021-01-01', agreedStartOn: '2021-06-01', totalInvestmentWan: 100, plannedAreaM2: 300 })
    await s.event({ parcel: p, kind: 'start', on: '2021-06-01' })
    await s.event({ parcel: p, kind: 'halt', on: '2022-01-01', developedM2: 100, investedWan: 25 })
    expect(await findings('2024-06-01', p)).toEqual([])
  })

  it('invested 24.99% is idle through the investment criterion; 25% with the area under 1/3 through the area one', async () => {
    const a = await s.parcel({ rect: [800, 0, 100, 100] })
    await s.contract({ parcel: a, signedOn: '2021-01-01', agreedStartOn: '2021-06-01', totalInvestmentWan: 100, plannedAreaM2: 300 })
    await s.event({ parcel: a, kind: 'start', on: '2021-06-01' })
    await s.event({ parcel: a, kind: 'halt', on: '2022-01-01', developedM2: 200, investedWan: 24.99 })
    const [f] = await findings('2023-06-01', a, 'idle')
    expect(f!.reason.test).toMatch(/invested_share 0\.2499 < 0\.25/)
    expect(f!.reason.test).not.toMatch(/developed_share/)
  })

  it('a government-caused delay suspends the finding and is cited; a later start ends it', async () => {
    const p = await s.parcel({ rect: [1000, 0, 100, 100] })
    await s.contract({ parcel: p, signedOn: '2021-01-01', agreedStartOn: '2021-03-01' })
    const gov = await s.event({ parcel: p, kind: 'inspection', on: '2022-05-01', governmentCaused: true, note: '规划调整' })
    const [f] = await findings('2022-06-01', p, 'idle')
    expect(f!.suspended).toBe(true)
    expect(f!.reason.suspended_by).toMatchObject({ table: 'development_event', id: gov, note: '规划调整' })
    // Before the delay was recorded, the parcel was plainly idle.
    expect((await findings('2022-03-10', p, 'idle')).map((x) => x.suspended)).toEqual([false])
    await s.event({ parcel: p, kind: 'start', on: '2022-09-01' })
    expect(await findings('2022-09-01', p, 'idle')).toEqual([])
  })

  it('a county that shortens idle_days from a date changes results from that date only', async () => {
    await s.ensureCounty('410322', '孟津测试')
    const c = new Scenario(t.db, '410322')
    const p = await c.parcel({ rect: [1200, 0, 100, 100] })
    await c.contract({ parcel: p, signedOn: '2023-10-01', agreedStartOn: '2024-01-01' })
    const before = await t.db.one(`SELECT json_agg(f ORDER BY rule)::text AS j FROM analysis.findings('2024-07-31', $1::bigint[]) f`, [[p]])
    const id = await c.rule({ key: 'idle_days', value: 180, from: '2024-08-01' })
    expect(await findings('2024-07-31', p, 'idle')).toEqual([]) // 212 days, under the old 365
    const after = await t.db.one(`SELECT json_agg(f ORDER BY rule)::text AS j FROM analysis.findings('2024-07-31', $1::bigint[]) f`, [[p]])
    expect(after.j).toBe(before.j)
    const [f] = await findings('2024-08-01', p, 'idle') // 213 days > 180
    expect(threshold(f!, 'idle_days')).toMatchObject({ value: 180, rule_id: id, county_code: '410322', effective_from: '2024-08-01' })
  })
})

describe('低效 inefficient (annex 3 art. 2)', () => {
  it('type 1 and type 6: an official flag with its reason, in force from set_on until cleared_on', async () => {
    const p = await s.parcel({ rect: [0, 300, 100, 100] })
    const f1 = await s.flag({ parcel: p, kind: 'industry_transition', reason: '列入关停并转', setOn: '2024-03-01', clearedOn: '2024-06-01' })
    const f6 = await s.flag({ parcel: p, kind: 'other', reason: '县区认定：长期低效', setOn: '2024-04-01' })
    expect(await findings('2024-02-29', p, 'inefficient')).toEqual([])
    const at = await findings('2024-04-01', p, 'inefficient')
    expect(rules(at)).toEqual(['inefficient.type1_industry_transition', 'inefficient.type6_other'])
    expect(at[0]!.inefficient_type).toBe(1)
    expect(at[0]!.reason.sources[0]).toMatchObject({ table: 'parcel_flag', id: f1, reason: '列入关停并转', set_by: 'user:official' })
    expect(at[1]!.reason.sources[0]).toMatchObject({ id: f6, reason: '县区认定：长期低效' })
    expect(rules(await findings('2024-06-01', p, 'inefficient'))).toEqual(['inefficient.type6_other'])
  })

  it('type 2 stalled: over 1/3 developed and over 25% invested, halted a year; at exactly 25% it is not', async () => {
    const p = await s.parcel({ rect: [200, 300, 100, 100] })
    await s.contract({ parcel: p, signedOn: '2021-01-01', agreedStartOn: '2021-06-01', totalInvestmentWan: 100, plannedAreaM2: 300 })
    await s.event({ parcel: p, kind: 'start', on: '2021-06-01' })
    await s.event({ parcel: p, kind: 'halt', on: '2023-01-01', developedM2: 150, investedWan: 25.01 })
    expect(await findings('2023-12-31', p)).toEqual([])
    const [f] = await findings('2024-01-01', p)
    expect(f!.rule).toBe('inefficient.type2_stalled')
    expect(f!.reason.measured).toMatchObject({ developed_share: 0.5, invested_share: 0.2501, halted_days: 365 })
    expect(f!.reason.test).toMatch(/invested_share 0\.2501 > 0\.25/)

    const q = await s.parcel({ rect: [400, 300, 100, 100] })
    await s.contract({ parcel: q, signedOn: '2021-01-01', agreedStartOn: '2021-06-01', totalInvestmentWan: 100, plannedAreaM2: 300 })
    await s.event({ parcel: q, kind: 'start', on: '2021-06-01' })
    await s.event({ parcel: q, kind: 'halt', on: '2023-01-01', developedM2: 150, investedWan: 25 })
    expect(await findings('2024-06-01', q)).toEqual([])
  })

  it('type 3: the 7 indicators in their directions; a green ratio of exactly 20% passes, 20.01% misses the default', async () => {
    const mk = async (x: number, measured: Record<string, number>) => {
      const p = await s.parcel({ rect: [x, 600, 100, 100] })
      const k = await s.contract({ parcel: p, signedOn: '2020-01-01', agreedStartOn: '2020-03-01' })
      await s.indicator({ contract: k, indicator: 'plot_ratio', direction: 'min', value: 1.2 })
      await s.indicator({ contract: k, indicator: 'admin_share', direction: 'max', value: 0.05 })
      await s.event({ parcel: p, kind: 'start', on: '2020-03-01' })
      await s.event({ parcel: p, kind: 'production_acceptance', on: '2022-01-10' })
      const ev = await s.event({ parcel: p, kind: 'inspection', on: '2023-05-01', measured })
      return { p, k, ev }
    }
    const ok = await mk(0, { plot_ratio: 1.2, green_ratio: 0.2, admin_share: 0.05 })
    expect(await findings('2024-01-01', ok.p)).toEqual([])

    const bad = await mk(200, { plot_ratio: 1.19, green_ratio: 0.2001, admin_share: 0.06 })
    // Before production began nothing is checked.
    expect(await findings('2022-01-09', bad.p)).toEqual([])
    const [f] = await findings('2024-01-01', bad.p)
    expect(f!.rule).toBe('inefficient.type3_under_developed')
    const misses = Object.fromEntries((f!.reason.misses as any[]).map((m) => [m.indicator, m]))
    expect(Object.keys(misses).sort()).toEqual(['admin_share', 'green_ratio', 'plot_ratio'])
    expect(misses.plot_ratio).toMatchObject({ direction: 'min', limit: 1.2, limit_source: { table: 'contract_indicator', contract_id: bad.k } })
    expect(misses.admin_share).toMatchObject({ direction: 'max', limit: 0.05 })
    expect(misses.green_ratio).toMatchObject({ direction: 'max', limit: 0.2, limit_source: { key: 'green_ratio_max', county_code: null } })
    expect(f!.reason.measured).toMatchObject({ plot_ratio: 1.19, green_ratio: 0.2001 })
    expect(f!.reason.sources.map((x: any) => x.id)).toContain(bad.ev)
  })

  it('type 4: no operating profit for 3 whole years after acceptance fires (> 2), for 2 it does not; a profitable year resets', async () => {
    const mk = async (x: number, profits: Record<number, number>) => {
      const e = await s.enterprise()
      const p = await s.parcel({ rect: [x, 900, 100, 100] })
      await s.contract({ parcel: p, signedOn: '2018-01-01', agreedStartOn: '2018-03-01', landUser: e })
      await s.event({ parcel: p, kind: 'start', on: '2018-03-01' })
      await s.event({ parcel: p, kind: 'completion_acceptance', on: '2020-06-01' })
      for (const [y, profit] of Object.entries(profits)) await s.year({ creditCode: e, year: Number(y), profitWan: profit })
      return p
    }
    const p = await mk(0, { 2020: 10, 2021: -5, 2022: 0, 2023: -1 })
    expect(await findings('2023-12-31', p)).toEqual([]) // 2021, 2022 known: 2 years
    const [f] = await findings('2024-01-01', p) // 2021–2023: 3 years
    expect(f!.rule).toBe('inefficient.type4_stopped')
    expect(f!.reason.measured).toMatchObject({ years_without_profit: 3, years: [2021, 2022, 2023] })
    expect(f!.reason.sensitive).toBe(true)
    expect(threshold(f!, 'no_profit_years').value).toBe(2)

    const q = await mk(200, { 2021: -5, 2022: 3, 2023: -1, 2024: -2 })
    expect(await findings('2025-03-01', q)).toEqual([])
  })

  it('type 5: rated C two years running after acceptance; B then C is not', async () => {
    const mk = async (x: number, ratings: Record<number, string>) => {
      const e = await s.enterprise()
      const p = await s.parcel({ rect: [x, 1200, 100, 100] })
      await s.contract({ parcel: p, signedOn: '2018-01-01', agreedStartOn: '2018-03-01', landUser: e })
      await s.event({ parcel: p, kind: 'completion_acceptance', on: '2020-06-01' })
      for (const [y, rating] of Object.entries(ratings)) await s.year({ creditCode: e, year: Number(y), rating, profitWan: 5 })
      return p
    }
    const p = await mk(0, { 2022: 'C', 2023: 'C' })
    expect(await findings('2023-12-31', p)).toEqual([]) // only 2022 is a finished year
    const [f] = await findings('2024-01-01', p)
    expect(f!.rule).toBe('inefficient.type5_low_output')
    expect(f!.reason.measured).toMatchObject({ c_years: [2022, 2023], last_rated_year: 2023 })
    const q = await mk(200, { 2022: 'B', 2023: 'C' })
    expect(await findings('2024-01-01', q)).toEqual([])
  })

  it('a parcel carries several types at once', async () => {
    const e = await s.enterprise()
    const p = await s.parcel({ rect: [400, 1200, 100, 100] })
    await s.contract({ parcel: p, signedOn: '2018-01-01', agreedStartOn: '2018-03-01', landUser: e })
    await s.event({ parcel: p, kind: 'completion_acceptance', on: '2019-06-01' })
    for (const y of [2020, 2021, 2022, 2023]) await s.year({ creditCode: e, year: y, profitWan: -1, rating: 'C' })
    await s.flag({ parcel: p, kind: 'industry_transition', reason: '淘汰类产业', setOn: '2023-01-01' })
    const fs = await findings('2024-02-01', p)
    expect(fs.map((f) => f.inefficient_type)).toEqual([1, 4, 5])
  })
})

describe('未供即用 used before supply', () => {
  it('a recorded start on a parcel with no contract, until a contract is signed', async () => {
    const p = await s.parcel({ rect: [0, 1500, 100, 100] })
    const ev = await s.event({ parcel: p, kind: 'start', on: '2023-05-01' })
    await s.contract({ parcel: p, signedOn: '2023-08-01' })
    expect(await findings('2023-04-30', p)).toEqual([])
    const [f] = await findings('2023-05-01', p)
    expect(f!.rule).toBe('used_before_supply.development_event')
    expect(f!.reason.sources[0]).toMatchObject({ table: 'development_event', id: ev, kind: 'start' })
    expect(rules(await findings('2023-07-31', p))).toEqual(['used_before_supply.development_event'])
    expect(await findings('2023-08-01', p)).toEqual([])
  })

  it('a remote-sensing construction change over an unsupplied parcel; the uncovered part is a polygon of its own', async () => {
    const bare = await s.parcel({ rect: [200, 1500, 100, 100] })
    const supplied = await s.parcel({ rect: [300, 1500, 100, 100] })
    await s.contract({ parcel: supplied, signedOn: '2020-01-01', agreedStartOn: '2020-02-01' })
    await s.event({ parcel: supplied, kind: 'start', on: '2020-02-01' })
    // 60 m × 40 m over the bare parcel and 40 m × 40 m over the supplied one.
    const ch = await s.change({ rect: [240, 1530, 100, 40], imageAfter: '2023-06-30' })
    expect(await findings('2023-06-29', bare)).toEqual([])
    const [f] = await findings('2023-06-30', bare)
    expect(f!.rule).toBe('used_before_supply.rs_change')
    expect(f!.reason.sources[0]).toMatchObject({ table: 'rs_change', id: ch })
    expect(f!.reason.measured.overlap_m2).toBeGreaterThan(2400 * 0.995)
    expect(f!.reason.measured.overlap_m2).toBeLessThan(2400 * 1.005)
    expect(await findings('2023-06-30', supplied)).toEqual([])
    const [c] = await t.db.any('SELECT change_id, area_m2, reason FROM analysis.used_before_supply_changes($1, $2::bigint[])', ['2023-06-30', [ch]])
    // Only the 60 m × 40 m outside the supplied parcel (GK scale factor well under 0.5% here).
    expect(c.area_m2).toBeGreaterThan(2400 * 0.995)
    expect(c.area_m2).toBeLessThan(2400 * 1.005)
    expect(c.reason.unsupplied_parcels.map((x: any) => x.id)).toEqual([bare])
  })
})

describe('规划符合性 plan conformity', () => {
  it('outside the cluster boundary beyond the area tolerance; a 0.5 m² overshoot is noise', async () => {
    const cl = await s.cluster({ rect: [0, 2000, 1000, 1000], leading: ['装备制造'] })
    const out = await s.parcel({ rect: [-10, 2100, 100, 100], cluster: cl })
    const noise = await s.parcel({ rect: [-0.005, 2300, 100, 100], cluster: cl })
    const inside = await s.parcel({ rect: [100, 2300, 100, 100], cluster: cl })
    const [f] = await findings('2024-01-01', out)
    expect(f!.rule).toBe('conformity.outside_cluster')
    expect(f!.reason.measured.outside_m2).toBeGreaterThan(1000 * 0.995)
    expect(f!.reason.measured.outside_m2).toBeLessThan(1000 * 1.005)
    expect(await findings('2024-01-01', noise)).toEqual([])
    expect(await findings('2024-01-01', inside)).toEqual([])
  })

  it('on a non-industrial plan zone; industry outside the leading industries; 100 mu or more in one contract', async () => {
    const cl = await s.cluster({ rect: [2000, 2000, 2000, 2000], leading: ['装备制造', '新材料'] })
    const z = await s.zone({ cluster: cl, type: 'residential', rect: [2000, 2000, 200, 200] })
    const onZone = await s.parcel({ rect: [2150, 2100, 100, 50], cluster: cl })
    const [f] = await findings('2024-01-01', onZone)
    expect(f!.rule).toBe('conformity.non_industrial_zone')
    expect(f!.reason.sources[0]).toMatchObject({ table: 'plan_zone', id: z, zone_type: 'residential' })

    const food = await s.enterprise({ industry: '食品加工' })
    const machine = await s.enterprise({ industry: '高端装备制造' })
    const a = await s.parcel({ rect: [2500, 2100, 100, 100], cluster: cl })
    const b = await s.parcel({ rect: [2700, 2100, 100, 100], cluster: cl })
    await s.contract({ parcel: a, signedOn: '2022-01-01', landUser: food })
    await s.contract({ parcel: b, signedOn: '2022-01-01', landUser: machine })
    expect(rules(await findings('2024-01-01', a))).toEqual(['conformity.industry_not_leading'])
    expect(await findings('2024-01-01', b)).toEqual([]) // within the family 装备制造
    // The other way round: a cluster leading in 高端装备制造 does not lead in all of 装备制造.
    const hi = await s.cluster({ rect: [2000, 4200, 1000, 1000], leading: ['高端装备制造'] })
    const general = await s.enterprise({ industry: '装备制造' })
    const c = await s.parcel({ rect: [2100, 4300, 100, 100], cluster: hi })
    await s.contract({ parcel: c, signedOn: '2022-01-01', landUser: general })
    expect(rules(await findings('2024-01-01', c))).toEqual(['conformity.industry_not_leading'])

    // Squares of 100.2 and 99.8 mu measured on the spheroid (checked below, independently of the rule).
    const side = (mu: number) => Math.sqrt((mu * 10000) / 15)
    const big = await s.parcel({ rect: [2500, 2500, side(100.2), side(100.2)], cluster: cl })
    const small = await s.parcel({ rect: [2500, 3000, side(99.8), side(99.8)], cluster: cl })
    const old = await s.parcel({ rect: [3000, 2500, side(100.2), side(100.2)], cluster: cl })
    const areas = await t.db.map('SELECT area_mu FROM parcel WHERE id = ANY($1) ORDER BY id', [[big, small]], (r) => r.area_mu)
    expect(areas[0]).toBeGreaterThan(100)
    expect(areas[1]).toBeLessThan(100)
    await s.contract({ parcel: big, signedOn: '2022-01-01', landUse: '工业用地' })
    await s.contract({ parcel: small, signedOn: '2022-01-01', landUse: '工业用地' })
    await s.contract({ parcel: old, signedOn: '2020-12-31', landUse: '工业用地' })
    const [g] = await findings('2024-01-01', big)
    expect(g!.rule).toBe('conformity.large_single_supply')
    expect(threshold(g!, 'large_project_mu').value).toBe(100)
    expect(await findings('2024-01-01', small)).toEqual([])
    expect(await findings('2024-01-01', old)).toEqual([]) // before the 2021 plan (phased_supply_from)
  })
})

describe('analysis.parcel_classifications (for the parcel card)', () => {
  it('lists the findings with labels, and withholds enterprise figures unless asked', async () => {
    const e = await s.enterprise({ code: creditCode() })
    const p = await s.parcel({ rect: [0, 4500, 100, 100] })
    await s.contract({ parcel: p, signedOn: '2018-01-01', agreedStartOn: '2018-03-01', landUser: e })
    await s.event({ parcel: p, kind: 'completion_acceptance', on: '2019-06-01' })
    for (const y of [2020, 2021, 2022]) await s.year({ creditCode: e, year: y, profitWan: -7 })
    const hidden = await t.db.one('SELECT analysis.parcel_classifications($1, $2) AS c', [p, '2023-06-01'], (r) => r.c)
    expect(hidden).toHaveLength(1)
    expect(hidden[0]).toMatchObject({ classification: 'inefficient', rule: 'inefficient.type4_stopped', type: 4 })
    expect(hidden[0].label).toMatch(/停产半停产/)
    expect(JSON.stringify(hidden)).not.toMatch(/-7/)
    const shown = await t.db.one('SELECT analysis.parcel_classifications($1, $2, true) AS c', [p, '2023-06-01'], (r) => r.c)
    expect(shown[0].reason.measured.profit_wan).toEqual({ 2020: -7, 2021: -7, 2022: -7 })
  })
})
