/** The quarterly progress report (§四(三)) of one county, with expectations worked out by hand from
 * the scenario below: a parcel supplied mid-quarter, idle land found and disposed of, inefficient
 * land by type and measure, standard land, tax per mu, alerts and ledger entries dated in and out
 * of the quarter, and a county rule changed mid-year. Then the report is edited around and
 * regenerated: as first produced it stays retrievable, and regenerated it gives the same numbers.
 *
 * Areas: every rectangle is laid out in metres on EPSG:4546 about 140 km east of its central
 * meridian, where the Gauss-Krüger scale is k ≈ 1.00024, so a 100 m × 100 m square covers about
 * 10000 / k² ≈ 9995.2 m² of the ellipsoid. Expected areas come from proj4 (independent of PostGIS),
 * compared within 1e-5 relative; shares are hand ratios of grid areas (e.g. 5000 / 20000 = 0.25),
 * compared within 1e-4 (the scale factor varies by < 5e-5 across the scenario). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ExcelJS from 'exceljs'
import { createTestApp, type TestApp } from '../../test/app'
import { Scenario, type Rect } from '../../test/scenario'
import { alertRow, ledgerEntry, mu, trueArea } from '../../test/governance-land'
import { parseCsv } from '../../governance/csv'

const K = '410311'
let t: TestApp
let admin: { authorization: string }
let s: Scenario
const code: Record<string, string> = {}
const id: Record<string, number> = {}
const batchNo: Record<string, string> = {}

const R: Record<string, Rect> = {
  B1: [0, 0, 200, 100], B2: [6000, 0, 100, 100], B3: [400, 0, 100, 50],
  P1: [0, 0, 100, 100], P2: [100, 0, 50, 100], P11: [6000, 0, 50, 100],
  P3: [0, 1000, 50, 50], P4: [100, 1000, 50, 50], P5: [200, 1000, 50, 50], P6: [300, 1000, 50, 50],
  P7: [0, 2000, 50, 50], P8: [100, 2000, 50, 50], P9: [200, 2000, 100, 50], P10: [0, 3000, 50, 100],
}
const A = (k: string) => trueArea(R[k]!)
const relClose = (actual: number, expected: number) => expect(Math.abs(actual - expected) / expected).toBeLessThan(1e-5)

async function generate(period: string, county = K) {
  const res = await t.app.inject({ method: 'POST', url: '/api/reports', headers: admin, payload: { kind: 'quarterly', period, county } })
  expect(res.statusCode, res.body).toBe(201)
  return res.json()
}
const county = (report: { result: { counties: { code: string }[] } }) => report.result.counties.find((c) => c.code === K) as any
const cluster = (report: { result: { clusters: { code: string }[] } }, c: string) => report.result.clusters.find((x) => x.code === c) as any

beforeAll(async () => {
  t = await createTestApp()
  admin = await t.loginAs('admin', null)
  const db = t.database.db
  s = new Scenario(db, K, 'gq')
  await s.ensureCounty(K, '洛龙区')
  await s.ensureCounty('410324', '栾川县')
  const a = await s.cluster({ code: 'gq-a', rect: [-1000, -1000, 5000, 5000] })
  const b = await s.cluster({ code: 'gq-b', rect: [5500, -1000, 3000, 3000] })
  const parcel = async (k: string, cl: string) => {
    id[k] = await s.parcel({ rect: R[k]!, cluster: cl, code: `GQ-${k}` })
    code[k] = `GQ-${k}`
  }
  // 批而未供: B1 old stock (2016), half supplied in 2019 (P1), a quarter more on 15 May 2024 (P2);
  // B2 approved 2022 in the other cluster; B3 approved in 2024 (not in the year-start stock).
  for (const [k, on, cl] of [['B1', '2016-05-01', a], ['B2', '2022-03-01', b], ['B3', '2024-02-01', a]] as const) {
    await s.batch({ rect: R[k]!, approvedOn: on, cluster: cl })
    batchNo[k] = await db.one('SELECT approval_no FROM approval_batch ORDER BY id DESC LIMIT 1', [], (r: { approval_no: string }) => r.approval_no)
  }
  const e1 = await s.enterprise({ code: '91410300MA00000E01' })
  await parcel('P1', a)
  await s.contract({ parcel: id.P1!, signedOn: '2019-03-01', landUser: e1 })
  await parcel('P2', a)
  await s.contract({ parcel: id.P2!, signedOn: '2024-05-15' })
  // 亩均税收 2023: E1 paid 150 万元 on P1
  await db.none('INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, tax_refund_wan) VALUES ($1, 2023, 150, 0)', [e1])
  // 标准地: P10 sold as standard land on 1 April 2024 (P2 is the other industrial land sold in 2024)
  await parcel('P10', a)
  const k10 = await s.contract({ parcel: id.P10!, signedOn: '2024-04-01' })
  await db.none('UPDATE supply_contract SET is_standard_land = true WHERE id = $1', [k10])

  // 闲置 (2012 art. 2: not started more than 365 days after the agreed start)
  await parcel('P3', a) // agreed 2022-06-01: idle since 2023-06-02; started 2024-04-20 → disposed in Q2
  await s.contract({ parcel: id.P3!, signedOn: '2022-01-01', agreedStartOn: '2022-06-01' })
  await s.event({ parcel: id.P3!, kind: 'start', on: '2024-04-20' })
  await parcel('P4', a) // agreed 2022-06-30: idle at the year start; 731 days on 30 June 2024 → stage 2
  await s.contract({ parcel: id.P4!, signedOn: '2022-01-15', agreedStartOn: '2022-06-30' })
  await parcel('P5', a) // agreed 2023-04-01: 365 days on 31 March (not idle), 456 on 30 June → found in Q2
  await s.contract({ parcel: id.P5!, signedOn: '2023-01-01', agreedStartOn: '2023-04-01' })
  await parcel('P6', a) // agreed 2023-12-01: 304 days on 30 Sept; idle only under the 180-day rule of July
  await s.contract({ parcel: id.P6!, signedOn: '2023-10-01', agreedStartOn: '2023-12-01' })

  // 低效 types 1 and 6 (officials' flags)
  await parcel('P7', a)
  await s.flag({ parcel: id.P7!, kind: 'industry_transition', reason: '关停并转', setOn: '2023-06-01', clearedOn: '2024-05-10' })
  await parcel('P8', a)
  await s.flag({ parcel: id.P8!, kind: 'other', reason: '县区认定', setOn: '2024-02-01' })
  await parcel('P9', a)
  await s.flag({ parcel: id.P9!, kind: 'industry_transition', reason: '退二优二', setOn: '2023-01-01' })

  // 工作台账, recorded in January and February 2024
  id.L7 = await ledgerEntry(db, { parcel: id.P7!, measure: '二次开发', deadline: '2024-05-31', recordedOn: '2024-01-15', completedOn: '2024-05-10' })
  id.L9 = await ledgerEntry(db, { parcel: id.P9!, measure: '政府收储', deadline: '2024-04-30', recordedOn: '2024-01-15', unit: '洛龙区土地储备中心' })
  id.L4 = await ledgerEntry(db, { parcel: id.P4!, measure: '闲置费', deadline: '2024-09-30', recordedOn: '2024-02-01' })

  // 巡查预警
  id.A1 = await alertRow(db, { parcel: id.P3!, county: K, cluster: a, openedOn: '2024-04-10', dueOn: '2024-04-25', closedOn: '2024-04-20' })
  id.A2 = await alertRow(db, { parcel: id.P4!, county: K, cluster: a, openedOn: '2024-05-01', dueOn: '2024-05-16' })
  id.A3 = await alertRow(db, { parcel: id.P5!, county: K, cluster: a, openedOn: '2024-02-01', dueOn: '2024-02-16', status: 'confirmed', closedOn: '2024-07-05' })
  id.A4 = await alertRow(db, { parcel: id.P6!, county: K, cluster: a, openedOn: '2024-06-20', dueOn: '2024-07-05', status: 'new' })
}, 180_000)
afterAll(async () => t?.close())

let q2: any

describe('the 2024 Q2 report of 洛龙区 (as of 30 June 2024)', () => {
  it('is generated, stored, and records its as-of date, rule versions and data version', async () => {
    q2 = await generate('2024Q2')
    expect(q2).toMatchObject({ kind: 'quarterly', period: '2024Q2', as_of: '2024-06-30', scope: [K] })
    expect(q2.result).toMatchObject({ since: '2024-03-31', year_start: '2023-12-31', fraction_of_year: 0.5, permu_year: 2023 })
    expect(q2.data_version).toBe(await t.database.db.one('SELECT max(id) AS m FROM event_log', [], (r: { m: number }) => r.m))
    const keys = q2.rule_versions.map((v: { key: string }) => v.key)
    for (const k of ['unsupplied_yearly_target', 'idle_days', 'idle_disposal_yearly_target', 'governance_ranking']) expect(keys).toContain(k)
    expect(q2.result.counties.map((c: { code: string }) => c.code)).toEqual([K])
    expect(q2.result.clusters.map((c: { code: string }) => c.code)).toEqual(['gq-a', 'gq-b'])
    expect(q2.result.city).toBeNull()
  })

  it('批而未供: the mid-quarter supply is the quarter\'s digestion, against 30% a year and 60% of the old stock', async () => {
    const u = county(q2).unsupplied
    // year-start stock: the unsupplied half of B1 (100 m × 100 m) and all of B2 (100 m × 100 m)
    const ys = trueArea([100, 0, 100, 100]) + A('B2')
    relClose(u.year_start_stock_m2, ys)
    relClose(u.digested_period_m2, A('P2'))
    relClose(u.digested_ytd_m2, A('P2'))
    expect(u.share_ytd).toBeCloseTo(5000 / 20000, 4)
    expect(u).toMatchObject({ target: 0.3, target_to_date: 0.15, met: false, on_track: true, batches: 3, stock_batches: 3 })
    // stock now: B1's last 50 m × 100 m, B2, and B3 approved this year
    relClose(u.stock_m2, trueArea([150, 0, 50, 100]) + A('B2') + A('B3'))
    expect(u.stock_mu).toBeCloseTo(mu(u.stock_m2), 6)
    expect(u.approved_this_year.batches).toBe(1)
    relClose(u.approved_this_year.stock_m2, A('B3'))
    // old stock (before 2018), measured at the 2020-12-31 baseline: half of it revitalised
    relClose(u.old_stock.baseline_m2, trueArea([100, 0, 100, 100]))
    expect(u.old_stock.share).toBeCloseTo(0.5, 4)
    expect(u.old_stock).toMatchObject({ target: 0.6, met: false, deadline: '2022-12-31' })
    // the figures link to what is behind them
    expect(u.codes_period).toEqual([code.P2])
    expect(u.batch_refs).toEqual([batchNo.B1, batchNo.B2, batchNo.B3].sort())
    // per cluster: A digested half of its stock, B nothing
    expect(cluster(q2, 'gq-a').unsupplied.share_ytd).toBeCloseTo(0.5, 4)
    expect(cluster(q2, 'gq-a').unsupplied.met).toBe(true)
    expect(cluster(q2, 'gq-b').unsupplied).toMatchObject({ share_ytd: 0, met: false, digested_ytd_m2: 0 })
  })

  it('闲置: found and disposed of in the quarter, stages, against 40% a year', async () => {
    const i = county(q2).idle
    expect(i.year_start).toMatchObject({ parcels: 2, codes: [code.P3, code.P4] })
    relClose(i.year_start.area_m2, A('P3') + A('P4'))
    expect(i.now).toMatchObject({ parcels: 2, codes: [code.P4, code.P5], stage1: 1, stage2: 1, suspended: 0 })
    expect(i.found_period.codes).toEqual([code.P5])
    expect(i.found_ytd.codes).toEqual([code.P5])
    expect(i.disposed_period.codes).toEqual([code.P3])
    expect(i.disposed_ytd.codes).toEqual([code.P3])
    relClose(i.disposed_ytd.area_m2, A('P3'))
    expect(i.share_ytd).toBeCloseTo(0.5, 4)
    expect(i).toMatchObject({ target: 0.4, target_to_date: 0.2, met: true, on_track: true })
    expect(i.by_measure).toEqual({ 闲置费: { entries: 1, open: 1, completed: 0, completed_period: 0, overdue: 0, codes: [code.P4] } })
  })

  it('低效: by type, disposed of, and by disposal measure', async () => {
    const f = county(q2).inefficient
    expect(f.year_start.codes).toEqual([code.P7, code.P9])
    expect(f.now.codes).toEqual([code.P8, code.P9])
    expect(f.found_period.parcels).toBe(0) // P8 was flagged in Q1
    expect(f.found_ytd.codes).toEqual([code.P8])
    expect(f.disposed_period.codes).toEqual([code.P7])
    expect(f.share_ytd).toBeCloseTo(2500 / 7500, 4)
    expect(f).toMatchObject({ met: false, on_track: true })
    expect(f.by_type['1'].codes).toEqual([code.P9])
    expect(f.by_type['6'].codes).toEqual([code.P8])
    for (const k of ['2', '3', '4', '5']) expect(f.by_type[k].parcels).toBe(0)
    expect(f.by_measure).toEqual({
      二次开发: { entries: 1, open: 0, completed: 1, completed_period: 1, overdue: 0, codes: [code.P7] },
      政府收储: { entries: 1, open: 1, completed: 0, completed_period: 0, overdue: 1, codes: [code.P9] },
    })
  })

  it('标准地 share and 亩均税收 come from the standard-land and per-mu analyses, with the parcels behind them', async () => {
    const c = county(q2)
    expect(c.standard_land).toMatchObject({ year: 2024, sold: 2, standard: 1, target: 1, met: false, codes: [code.P10] })
    expect(c.standard_land.share_area).toBeCloseTo(A('P10') / (A('P10') + A('P2')), 5)
    // 150 万元 on P1's 100 m × 100 m ≈ 14.99 亩, against the city-wide 18 (the cluster's own 15)
    const perMu = 150 / mu(A('P1'))
    expect(c.per_mu_tax).toMatchObject({ year: 2023, target: 18, parcels: 1, enterprises: 1, codes: [code.P1] })
    expect(c.per_mu_tax.tax_per_mu).toBeCloseTo(perMu, 4)
    expect(c.per_mu_tax.attainment).toBeCloseTo(perMu / 18, 5)
    expect(cluster(q2, 'gq-a').per_mu_tax.attainment).toBeCloseTo(perMu / 15, 5)
  })

  it('alerts opened, closed, open and overdue; ledger entries overdue', async () => {
    const c = county(q2)
    expect(c.alerts).toMatchObject({ opened_period: 3, closed_period: 1, open_at_end: 3, overdue_at_end: 2 })
    expect(c.alerts.opened_ids).toEqual([id.A1, id.A2, id.A4])
    expect(c.alerts.overdue.map((a: { id: number }) => a.id)).toEqual([id.A3, id.A2])
    expect(c.ledger).toMatchObject({ entries: 3, open_at_end: 2, completed_period: 1, overdue_at_end: 1 })
    expect(c.ledger.overdue).toEqual([{ id: id.L9, parcel_code: code.P9, measure: '政府收储', deadline: '2024-04-30', days_overdue: 61, responsible_unit: '洛龙区土地储备中心' }])
  })

  it('each figure lists its parcels through the API', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}/parcels?unit=county:${K}&figure=idle.disposed_ytd.codes`, headers: admin })
    expect(res.statusCode, res.body).toBe(200)
    const fc = res.json()
    expect(fc.features.map((f: { properties: { code: string } }) => f.properties.code)).toEqual([code.P3])
    relClose(fc.features[0].properties.area_m2, A('P3'))
    const bad = await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}/parcels?unit=county:${K}&figure=per_mu_tax.tax_per_mu`, headers: admin })
    expect(bad.statusCode).toBe(400)
  })

  it('is refused to a county official of another county and to a surveyor; a period of the wrong kind is a 400', async () => {
    const other = await t.loginAs('analyst', ['410324'])
    const res = await t.app.inject({ method: 'POST', url: '/api/reports', headers: other, payload: { kind: 'quarterly', period: '2024Q2', county: K } })
    expect(res.statusCode).toBe(403)
    expect((await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}`, headers: other })).statusCode).toBe(404)
    const surveyor = await t.loginAs('surveyor', null)
    expect((await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}`, headers: surveyor })).statusCode).toBe(403)
    const wrong = await t.app.inject({ method: 'POST', url: '/api/reports', headers: admin, payload: { kind: 'quarterly', period: '2024H1' } })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().message).toContain('2024H1')
  })
})

describe('later edits, regeneration, and a rule changed mid-year', () => {
  let regenerated: any

  beforeAll(async () => {
    const db = t.database.db
    // Everything below is dated after 30 June 2024, or recorded today (2026): none of it may move Q2.
    id.P11 = await s.parcel({ rect: R.P11!, cluster: 'gq-b', code: 'GQ-P11' })
    code.P11 = 'GQ-P11'
    await s.contract({ parcel: id.P11, signedOn: '2024-08-10' }) // B2 half supplied in Q3
    await s.rule({ key: 'idle_days', value: 180, from: '2024-07-01' }) // 洛龙区 tightens idleness from July
    await s.event({ parcel: id.P4!, kind: 'start', on: '2024-08-01' }) // P4 starts in Q3
    await db.none('UPDATE disposal_ledger SET completed_on = $2 WHERE id = $1', [id.L9, '2024-08-15'])
    await db.none(`UPDATE alert SET status = 'closed', closed_at = now() WHERE id = $1`, [id.A2])
    await db.none(`INSERT INTO disposal_ledger (parcel_id, county_code, measure, deadline, responsible_unit) VALUES ($1, $2, '收回', '2024-06-01', '洛龙区')`, [id.P8, K])
    await alertRow(db, { parcel: id.P8!, county: K, cluster: 'gq-a', openedOn: '2026-01-05', dueOn: '2024-06-01' })
  })

  it('the stored report is retrievable exactly as first produced', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}`, headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(q2)
  })

  it('regenerating Q2 after the later edits gives the same numbers', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/api/reports/${q2.id}/regenerate`, headers: admin })
    expect(res.statusCode, res.body).toBe(200)
    const r = res.json()
    expect(r.differences).toEqual([])
    expect(r).toMatchObject({ same: true, difference_count: 0, rule_versions_changed: [], data_version_then: q2.data_version })
    expect(r.data_version_now).toBeGreaterThan(q2.data_version)
    expect(r.events_since.total).toBeGreaterThanOrEqual(7)
    regenerated = await generate('2024Q2')
    expect(regenerated.id).not.toBe(q2.id)
    expect(regenerated.result).toEqual(q2.result)
    expect(regenerated.digest).toBe(q2.digest)
  })

  it('Q3 reflects the supply of August, the start of P4, and the 180-day rule from July', async () => {
    const q3 = await generate('2024Q3')
    expect(q3.rule_versions.find((v: { key: string; county_code: string | null }) => v.key === 'idle_days' && v.county_code === K))
      .toMatchObject({ effective_from: '2024-07-01' })
    const c = county(q3)
    relClose(c.unsupplied.digested_period_m2, A('P11'))
    relClose(c.unsupplied.digested_ytd_m2, A('P2') + A('P11'))
    expect(c.unsupplied.share_ytd).toBeCloseTo(10000 / 20000, 4)
    expect(c.unsupplied).toMatchObject({ met: true, codes_period: [code.P11] })
    expect(c.unsupplied.codes_ytd).toEqual([code.P11, code.P2].sort())
    // P6: 304 days past its agreed start on 30 September — idle under 180 days, not under 365
    expect(c.idle.now.codes).toEqual([code.P5, code.P6])
    expect(c.idle.found_period.codes).toEqual([code.P6])
    expect(c.idle.found_ytd.codes).toEqual([code.P5, code.P6])
    expect(c.idle.disposed_period.codes).toEqual([code.P4])
    expect(c.idle.disposed_ytd.codes).toEqual([code.P3, code.P4])
    expect(c.idle.share_ytd).toBe(1)
    expect(c.inefficient.now.codes).toEqual([code.P8, code.P9])
    // A3 closed on 5 July; A2 (closed only today) and A4 (due 5 July) are open and overdue on 30 September
    expect(c.alerts).toMatchObject({ opened_period: 0, closed_period: 1, open_at_end: 2, overdue_at_end: 2, closed_ids: [id.A3] })
    // L9 completed on 15 August; L4 is due on 30 September itself (not yet overdue); the entry recorded today is not counted
    expect(c.ledger).toMatchObject({ entries: 3, open_at_end: 1, completed_period: 1, overdue_at_end: 0 })
  })

  it('a correction dated inside Q2 makes the regeneration differ, and says why', async () => {
    // P5's agreed start corrected to 2022-12-01 (a fact dated before as_of): 395 days on 31 December 2023, so it
    // was idle at the year start already
    await t.database.db.none('UPDATE supply_contract SET agreed_start_on = $2 WHERE parcel_id = $1', [id.P5, '2022-12-01'])
    const r = (await t.app.inject({ method: 'POST', url: `/api/reports/${q2.id}/regenerate`, headers: admin })).json()
    expect(r.same).toBe(false)
    const paths = r.differences.map((d: { path: string }) => d.path)
    expect(paths).toContain('counties.0.idle.year_start.parcels')
    expect(r.differences.find((d: { path: string }) => d.path === 'counties.0.idle.year_start.parcels')).toEqual({ path: 'counties.0.idle.year_start.parcels', then: 2, now: 3 })
    expect(r.events_since.by_entity.supply_contract).toBeGreaterThanOrEqual(2)
    // the stored report itself is untouched
    expect((await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}`, headers: admin })).json()).toEqual(q2)
  })
})

describe('formats', () => {
  it('CSV: the main table, UTF-8 with BOM, one row per unit with the report id, as-of date and data version', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}/export.csv`, headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/csv')
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const rows = parseCsv(res.body)
    const head = rows[0]!
    expect(rows).toHaveLength(1 + 3) // 洛龙区, and its two clusters
    const row = rows.find((r) => r[head.indexOf('代码')] === K)!
    expect(row[head.indexOf('报告编号')]).toBe(String(q2.id))
    expect(row[head.indexOf('基准日')]).toBe('2024-06-30')
    expect(row[head.indexOf('数据版本')]).toBe(String(q2.data_version))
    expect(Number(row[head.indexOf('本年消化率')])).toBeCloseTo(0.25, 4)
    expect(row[head.indexOf('本期处置闲置(宗)')]).toBe('1')
    expect(row[head.indexOf('期末逾期台账')]).toBe('1')
    expect(row[head.indexOf('低效·产业转型类(宗)')]).toBe('1')
  })

  it('XLSX: 说明 with the inputs and rule versions, the same table, and the parcels behind each figure', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}/export.xlsx`, headers: admin })
    expect(res.statusCode).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['说明', '进展', '宗地明细', '逾期台账', '逾期预警'])
    const meta = wb.getWorksheet('说明')!
    const metaText = meta.getSheetValues().flat().map(String).join('\n')
    expect(metaText).toContain('2024-06-30')
    expect(metaText).toContain(`idle_days#`)
    expect(metaText).toContain(String(q2.data_version))
    const links = wb.getWorksheet('宗地明细')!
    const linkRows = links.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(1).map(String))
    expect(linkRows).toContainEqual(['区县', K, '洛龙区', '闲置·本期处置', '1', code.P3])
    const overdue = wb.getWorksheet('逾期台账')!
    expect(overdue.getRow(2).getCell(3).value).toBe(code.P9)
    expect(overdue.getRow(2).getCell(6).value).toBe(61)
  })

  it('JSON: the stored report as a file', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/reports/${q2.id}/export.json`, headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-disposition']).toContain(`report-${q2.id}.json`)
    expect(JSON.parse(res.body)).toEqual(q2)
  })
})

describe('at the materialised snapshot\'s date', () => {
  // governance.land_status_at reads the snapshot's findings at its date (analysis.findings_at)
  // instead of computing 闲置 and 低效 again; the report must not tell the two apart
  const Q = `SELECT governance.quarterly('2024Q2', '2024-06-30', ARRAY['${K}']) AS r`
  it('the report is the same as computed live, and the findings come from the snapshot', async () => {
    const db = t.database.db
    const before = await db.oneOrNone('SELECT as_of::text AS d FROM analysis.snapshot')
    expect(before?.d).not.toBe('2024-06-30')
    const live = (await db.one(Q)).r
    await db.one(`SELECT analysis.refresh_all('2024-06-30')`)
    try {
      expect((await db.one(Q)).r).toEqual(live)
      // read from the snapshot: a stage written into it (by hand, here) is what the report's
      // findings say until the next refresh
      const idle = await db.one(`SELECT parcel_id, stage FROM analysis.parcel_status WHERE classification = 'idle' ORDER BY parcel_id LIMIT 1`)
      await db.none(`UPDATE analysis.parcel_status SET stage = 9 WHERE parcel_id = $1 AND classification = 'idle'`, [idle.parcel_id])
      expect(await db.one(`SELECT stage FROM governance.land_status_at('2024-06-30', ARRAY[$1::bigint]) WHERE classification = 'idle'`, [idle.parcel_id]))
        .toEqual({ stage: 9 })
      expect(await db.one(`SELECT stage FROM governance.land_status_at('2024-06-29', ARRAY[$1::bigint]) WHERE classification = 'idle'`, [idle.parcel_id]))
        .toEqual({ stage: idle.stage })
    } finally {
      await db.one('SELECT analysis.refresh_all($1)', [before?.d ?? new Date().toISOString().slice(0, 10)])
    }
  })
})
