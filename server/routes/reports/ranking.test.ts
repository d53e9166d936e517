/** Half-yearly ranking, annual evaluation and the 增存挂钩 quota, on three counties whose progress is
 * laid out so that every score can be worked by hand:
 *
 *   county (cluster)   批而未供 stock 100 m × 100 m,   idle at the year start     other indicators
 *                      supplied in 2024                 (50 m × 50 m each)
 *   X 410305 (gr-x)    10 m × 100 m (0.10)              2, one started in April    none: left out
 *   Y 410306 (gr-y)    25 m × 100 m (0.25)              1, never started
 *   Z 410307 (gr-z)    40 m × 100 m (0.40)              none (left out)
 *
 * Default weights: 批而未供 25, 闲置 15 (the others have nothing to measure here and are left out).
 * H1 (targets pro rata: 0.15 and 0.20): X = (25 × 0.10/0.15 × 100 + 15 × 100) / 40 = 79.1667;
 * Y = (25 × 100 + 15 × 0) / 40 = 62.5; Z = 100. Order Z, X, Y.
 * Year (targets 0.30 and 0.40): X = (25 × 33.3333 + 15 × 100) / 40 = 58.3333; Y = (25 × 83.3333) / 40
 * = 52.0833; Z = 100. X and Y score under 60: interviewed, 不合格; Z 优秀.
 * Shares are grid ratios; the Gauss-Krüger scale varies by < 1e-5 across the layout, so scores are
 * compared within 0.01. Areas for the quota come from proj4 (independent of PostGIS). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { Scenario, type Rect } from '../../test/scenario'
import { mu, trueArea } from '../../test/governance-land'

let t: TestApp
let admin: { authorization: string }
const COUNTIES = { X: '410305', Y: '410306', Z: '410307' } as const
const SUPPLY: Record<string, Rect> = { X: [0, 0, 10, 100], Y: [2000, 0, 25, 100], Z: [4000, 0, 40, 100] }

async function post(payload: Record<string, unknown>, headers = admin) {
  return t.app.inject({ method: 'POST', url: '/api/reports', headers, payload })
}
async function generate(kind: string, period: string) {
  const res = await post({ kind, period })
  expect(res.statusCode, res.body).toBe(201)
  return res.json()
}

beforeAll(async () => {
  t = await createTestApp()
  admin = await t.loginAs('admin', null)
  const db = t.database.db
  for (const [k, x0] of [['X', 0], ['Y', 2000], ['Z', 4000]] as const) {
    const s = new Scenario(db, COUNTIES[k], `gr${k.toLowerCase()}`)
    await s.ensureCounty(COUNTIES[k], `县${k}`)
    const cl = await s.cluster({ code: `gr-${k.toLowerCase()}`, rect: [x0 - 100, -100, 900, 900] })
    await s.batch({ rect: [x0, 0, 100, 100], approvedOn: '2020-01-01', cluster: cl })
    const p = await s.parcel({ rect: SUPPLY[k]!, cluster: cl })
    // 仓储用地: not industrial land, so that the standard-land share has nothing to measure
    const signed = { X: '2024-03-01', Y: '2024-05-01', Z: '2024-02-01' }[k]
    await s.contract({ parcel: p, signedOn: signed, landUse: '仓储用地' })
    const idle = { X: 2, Y: 1, Z: 0 }[k]
    for (let i = 0; i < idle; i++) {
      const q = await s.parcel({ rect: [x0 + 100 * i, 500, 50, 50], cluster: cl, landUse: '仓储用地' })
      await s.contract({ parcel: q, signedOn: '2022-01-01', agreedStartOn: '2022-06-01', landUse: '仓储用地' })
      if (k === 'X' && i === 0) await s.event({ parcel: q, kind: 'start', on: '2024-04-01' })
    }
  }
}, 180_000)
afterAll(async () => t?.close())

describe('半年评比 2024H1', () => {
  let ranking: any

  it('ranks the counties Z, X, Y with the scores worked by hand, and prints the method', async () => {
    ranking = await generate('ranking', '2024H1')
    const r = ranking.result
    expect(r.counties.map((c: { code: string }) => c.code)).toEqual([COUNTIES.Z, COUNTIES.X, COUNTIES.Y])
    expect(r.counties.map((c: { rank: number }) => c.rank)).toEqual([1, 2, 3])
    const [z, x, y] = r.counties
    expect(z.score).toBeCloseTo(100, 2)
    expect(x.score).toBeCloseTo((25 * (0.10 / 0.15) * 100 + 15 * 100) / 40, 2)
    expect(y.score).toBeCloseTo((25 * 100 + 15 * 0) / 40, 2)
    expect(x.indicators.unsupplied_yearly).toMatchObject({ target: 0.15, weight: 25 })
    expect(x.indicators.unsupplied_yearly.value).toBeCloseTo(0.10, 4)
    expect(x.indicators.idle_disposal).toMatchObject({ value: 0.5, target: 0.2, weight: 15, points: 100 })
    expect(z.left_out).toEqual(['alert_handling', 'idle_disposal', 'inefficient_disposal', 'ledger_on_time', 'old_stock', 'per_mu_tax', 'standard_land'])
    expect(z.indicators.idle_disposal).toMatchObject({ value: null, left_out: 'no_stock' })
    expect(x.weight_applied).toBe(40)
    expect(r.method).toMatchObject({
      weights: { unsupplied_yearly: 25, old_stock: 15, idle_disposal: 15, inefficient_disposal: 15, standard_land: 10, per_mu_tax: 10, alert_handling: 5, ledger_on_time: 5 },
      cap: 1, pro_rata: true, fraction_of_year: 0.5,
    })
    expect(r.method.rule).toMatchObject({ key: 'governance_ranking', effective_from: '1900-01-01', county_code: null })
    expect(r.method.formula).toContain('Σ')
    expect(r.clusters.map((c: { code: string }) => c.code)).toEqual(['gr-z', 'gr-x', 'gr-y'])
  })

  it('prints the method with the result in the XLSX and the CSV', async () => {
    const csv = await t.app.inject({ method: 'GET', url: `/api/reports/${ranking.id}/export.csv`, headers: admin })
    expect(csv.body).toContain('名次')
    expect(csv.body.split('\r\n')[1]).toContain(COUNTIES.Z)
    const xlsx = await t.app.inject({ method: 'GET', url: `/api/reports/${ranking.id}/export.xlsx`, headers: admin })
    const ExcelJS = (await import('exceljs')).default
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const method = wb.getWorksheet('方法')!.getSheetValues().flat().map(String).join('\n')
    expect(method).toContain('权重 批而未供年度消化')
    expect(method).toContain('governance_ranking')
  })

  it('is a city-wide report: a county official may read it but not generate it', async () => {
    const county = await t.loginAs('analyst', [COUNTIES.X])
    expect((await post({ kind: 'ranking', period: '2024H1' }, county)).statusCode).toBe(403)
    expect((await t.app.inject({ method: 'GET', url: `/api/reports/${ranking.id}`, headers: county })).statusCode).toBe(200)
  })
})

describe('年度考评 2024', () => {
  let first: any

  it('scores each county, grades it, names the consequence and the counties to interview', async () => {
    first = await generate('evaluation', '2024')
    const r = first.result
    expect(r.counties.map((c: { code: string }) => c.code)).toEqual([COUNTIES.Z, COUNTIES.X, COUNTIES.Y])
    const [z, x, y] = r.counties
    expect(z.score).toBeCloseTo(100, 2)
    expect(x.score).toBeCloseTo((25 * (0.10 / 0.30) * 100 + 15 * 100) / 40, 2)
    expect(y.score).toBeCloseTo((25 * (0.25 / 0.30) * 100) / 40, 2)
    expect(z).toMatchObject({ grade: '优秀', reward: true, penalty: false, interview: false })
    expect(x).toMatchObject({ grade: '不合格', reward: false, penalty: true, interview: true, interview_reasons: ['score_below'], weak_indicators: ['unsupplied_yearly'] })
    expect(y).toMatchObject({ grade: '不合格', interview: true, weak_indicators: ['idle_disposal'] })
    expect(x.consequence).toContain('核减新增建设用地指标')
    expect(r.interview.map((c: { code: string }) => c.code)).toEqual([COUNTIES.X, COUNTIES.Y])
    expect(r.method.interview).toEqual({ score_below: 60, bottom: 0 })
  })

  it('weights are settings: equal weights from December make X 合格 and put Y, last, on the list', async () => {
    await t.database.db.none(
      `INSERT INTO county_rule (county_code, key, value, effective_from, note)
       SELECT NULL, 'governance_evaluation', value || '{"weights": {"unsupplied_yearly": 50, "idle_disposal": 50}, "interview_bottom": 1}', '2024-12-01', 'test'
       FROM county_rule WHERE key = 'governance_evaluation' AND county_code IS NULL AND effective_from = '1900-01-01'`)
    const r = (await generate('evaluation', '2024')).result
    const x = r.counties.find((c: { code: string }) => c.code === COUNTIES.X)
    const y = r.counties.find((c: { code: string }) => c.code === COUNTIES.Y)
    expect(x.score).toBeCloseTo((50 * (0.10 / 0.30) * 100 + 50 * 100) / 100, 2)
    expect(y.score).toBeCloseTo((50 * (0.25 / 0.30) * 100) / 100, 2)
    expect(x).toMatchObject({ grade: '合格', interview: false })
    expect(y).toMatchObject({ rank: 3, interview: true, interview_reasons: ['score_below', 'bottom'] })
    expect(r.method.weights).toEqual({ unsupplied_yearly: 50, idle_disposal: 50 })
    // the first evaluation, regenerated, names the rule that changed under it
    const again = (await t.app.inject({ method: 'POST', url: `/api/reports/${first.id}/regenerate`, headers: admin })).json()
    expect(again.same).toBe(false)
    expect(again.rule_versions_changed).toEqual([expect.objectContaining({ key: 'governance_evaluation', county_code: null })])
  })
})

describe('增存挂钩 quota for 2025', () => {
  it('is base + 0.5 × digested + 0.5 × idle disposed, × 0.8 where a target was missed', async () => {
    await t.database.db.none(`INSERT INTO county_rule (county_code, key, value, effective_from) VALUES (NULL, 'quota_base_mu', '{"default": 100, "gr-x": 200}', '2024-01-01')`)
    const r = (await generate('quota', '2024')).result
    expect(r.quota_year).toBe(2025)
    const by = Object.fromEntries(r.clusters.map((c: { code: string }) => [c.code, c]))
    const U = (k: string) => mu(trueArea(SUPPLY[k]!))
    const I = mu(trueArea([0, 500, 50, 50]))
    // X missed 30% (0.10): × 0.8; Y missed both: × 0.8; Z met 30% and had no idle stock: × 1
    expect(by['gr-x']).toMatchObject({ base_mu: 200, factor: 0.8, missed: ['unsupplied_yearly'] })
    expect(by['gr-x'].unsupplied_digested_mu).toBeCloseTo(U('X'), 4)
    expect(by['gr-x'].idle_disposed_mu).toBeCloseTo(I, 4)
    expect(by['gr-x'].quota_mu).toBeCloseTo((200 + 0.5 * U('X') + 0.5 * I) * 0.8, 3)
    expect(by['gr-y']).toMatchObject({ base_mu: 100, factor: 0.8, missed: ['unsupplied_yearly', 'idle_disposal'], idle_disposed_mu: 0 })
    expect(by['gr-y'].quota_mu).toBeCloseTo((100 + 0.5 * U('Y')) * 0.8, 3)
    expect(by['gr-z']).toMatchObject({ base_mu: 100, factor: 1, missed: [], idle_met: null })
    expect(by['gr-z'].quota_mu).toBeCloseTo(100 + 0.5 * U('Z'), 3)
    expect(r.total_mu).toBeCloseTo(by['gr-x'].quota_mu + by['gr-y'].quota_mu + by['gr-z'].quota_mu, 3)
    expect(r.method.coefficients).toEqual({ k_unsupplied: 0.5, k_idle: 0.5, penalty_share: 0.2, penalty_when_missed: ['unsupplied_yearly', 'idle_disposal'], floor_mu: 0 })
    expect(r.method.source).toContain('假设')
  })
})
