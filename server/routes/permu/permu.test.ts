/** Per-mu tax and output (annex 3 art. 14) through the API, against values computed here by hand:
 * a leased parcel with two tenants and refunds, an enterprise on two parcels, a tenant with land of
 * its own, a terminated contract, a cluster, a county and the city total, the trend, the ranks and
 * the 18 万元 city target. Parcel areas come from a closed-form ellipsoidal formula, not PostGIS. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { A, buildWorld, E2, H, mu, T1, T2, T3 } from '../../test/permu-world'

let t: TestApp
type Headers = { authorization: string }
let analyst: Headers

/** Relative closeness: areas agree with PostGIS to better than 1e-8; the API rounds per-mu values to 1e-4. */
const close = (actual: number, expected: number, abs = 1e-4) => expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(abs)

beforeAll(async () => {
  t = await createTestApp()
  await buildWorld(t.database.db)
  analyst = await t.loginAs('analyst', null)
})
afterAll(async () => t?.close())

const get = async (url: string, headers: Headers = analyst) => {
  const res = await t.app.inject({ url, headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

// Hand-computed sums (annex 3 art. 14: refunds added back; tenants merged into the landholder's land).
const TAX_P1_2024 = (100 + 20) + 50 + (30 + 10)           // 210: H, T1, T2; T3 holds land of its own
const OUTPUT_P1_2024 = 1000 + 500 + 300
const TAX_E2_2024 = 300
const LUOLONG_TAX_2024 = TAX_P1_2024 + TAX_E2_2024 + 70   // P1, P2+P3, P7
const LUOLONG_MU = () => mu.P1! + mu.P2! + mu.P3! + mu.P7!

describe('per-mu figures of parcels (annex 3 art. 14)', () => {
  it('merges the two tenants and adds the refunds back on the leased parcel; a tenant with land of its own stays there', async () => {
    const body = await get('/api/permu/parcels?year=2024&asOf=2025-06-30')
    const p1 = body.items.find((p: { code: string }) => p.code === 'P1')
    close(p1.area_mu, mu.P1!)
    close(p1.tax_wan, TAX_P1_2024, 0.005)
    close(p1.tax_refund_wan, 30, 0.005)
    close(p1.tax_per_mu, TAX_P1_2024 / mu.P1!)
    close(p1.output_per_mu, OUTPUT_P1_2024 / mu.P1!)
    expect(p1.enterprises).toBe(3)
    expect(p1.contributors.map((c: { credit_code: string; relation: string }) => [c.credit_code, c.relation]).sort())
      .toEqual([[H, 'land_user'], [T1, 'tenant'], [T2, 'tenant']].sort())
    const p7 = body.items.find((p: { code: string }) => p.code === 'P7')
    close(p7.tax_per_mu, 70 / mu.P7!)
    // a contract terminated in 2023 holds no land in 2024; a parcel with no figures is not counted
    expect(body.items.map((p: { code: string }) => p.code).sort()).toEqual(['P1', 'P2', 'P3', 'P5', 'P6', 'P7'])
  })

  it('spreads an enterprise on two parcels over both by area: the same tax per mu on each', async () => {
    const body = await get('/api/permu/parcels?year=2024&asOf=2025-06-30')
    const [p2, p3] = ['P2', 'P3'].map((c) => body.items.find((p: { code: string }) => p.code === c))
    const perMu = TAX_E2_2024 / (mu.P2! + mu.P3!)
    close(p2.tax_per_mu, perMu)
    close(p3.tax_per_mu, perMu)
    close(p2.tax_wan + p3.tax_wan, TAX_E2_2024, 0.01)
    close(p2.tax_wan, TAX_E2_2024 * mu.P2! / (mu.P2! + mu.P3!), 0.005)
  })

  it('leaves output per mu blank where an enterprise did not report output', async () => {
    const body = await get('/api/permu/parcels?year=2024&asOf=2025-06-30')
    const p5 = body.items.find((p: { code: string }) => p.code === 'P5')
    close(p5.tax_per_mu, 45 / mu.P5!)
    expect(p5.output_per_mu).toBeNull()
    expect(p5.target).toBe(18)
    expect(p5.target_source).toBe('city')
  })
})

describe('per-mu figures of enterprises', () => {
  it('an enterprise on two parcels: its tax over the area of both, ranked within its cluster and the city', async () => {
    const body = await get(`/api/permu/enterprises/${E2}?year=2024&from=2023&asOf=2025-06-30`)
    expect(body.years).toHaveLength(1)
    const y = body.years[0]
    close(y.area_mu, mu.P2! + mu.P3!)
    close(y.tax_per_mu, TAX_E2_2024 / (mu.P2! + mu.P3!))
    close(y.gap, TAX_E2_2024 / (mu.P2! + mu.P3!) - 15)
    expect(y.parcels.map((p: { code: string }) => p.code)).toEqual(['P2', 'P3'])
    // luolong's land users in 2024 by tax per mu: T3 on P7, E2, H on P1
    const perMu = { [T3]: 70 / mu.P7!, [E2]: TAX_E2_2024 / (mu.P2! + mu.P3!), [H]: TAX_P1_2024 / mu.P1! }
    const order = Object.entries(perMu).sort((a, b) => b[1] - a[1]).map(([c]) => c)
    expect(y.rank_in_cluster).toBe(order.indexOf(E2) + 1)
    expect(y.enterprises_in_cluster).toBe(3)
    const list = await get('/api/permu/enterprises?year=2024&cluster=luolong&asOf=2025-06-30')
    expect(list.items.map((e: { credit_code: string }) => e.credit_code)).toEqual(order)
    expect(list.items.map((e: { rank_in_cluster: number }) => e.rank_in_cluster)).toEqual([1, 2, 3])
  })

  it('the landholder carries its tenants: own tax and tenants\' tax apart, and a trend over the years', async () => {
    const body = await get(`/api/permu/enterprises/${H}?year=2024&from=2023&asOf=2025-06-30`)
    const [y23, y24] = body.years
    close(y23.tax_per_mu, 90 / mu.P1!)
    close(y24.tax_per_mu, TAX_P1_2024 / mu.P1!)
    close(y24.own_tax_wan, 120, 0.005)
    close(y24.tenant_tax_wan, 90, 0.005)
    expect(y24.parcels[0].contributors.map((c: { name: string }) => c.name)).toEqual(['洛阳厂房投资有限公司', '承租一有限公司', '承租二有限公司'])
  })

  it('a tenant without land of its own has no per-mu figure of its own (404)', async () => {
    const res = await t.app.inject({ url: `/api/permu/enterprises/${T1}?year=2024&asOf=2025-06-30`, headers: analyst })
    expect(res.statusCode).toBe(404)
    expect(res.json().message).toContain(T1)
  })
})

describe('per-mu figures of clusters, counties and the city', () => {
  it('adds the cluster up from its parcels and compares it with the cluster target, with the trend', async () => {
    const body = await get('/api/permu/summary?year=2024&from=2023&asOf=2025-06-30')
    const luolong = body.clusters.find((c: { code: string }) => c.code === 'luolong')
    close(luolong.area_mu, LUOLONG_MU())
    close(luolong.tax_wan, LUOLONG_TAX_2024, 0.01)
    close(luolong.tax_per_mu, LUOLONG_TAX_2024 / LUOLONG_MU())
    close(luolong.output_per_mu, (OUTPUT_P1_2024 + 2400 + 700) / LUOLONG_MU())
    expect(luolong.target).toBe(15)
    close(luolong.gap, LUOLONG_TAX_2024 / LUOLONG_MU() - 15)
    close(luolong.attainment, LUOLONG_TAX_2024 / LUOLONG_MU() / 15)
    expect(luolong.above_target).toBe(LUOLONG_TAX_2024 / LUOLONG_MU() >= 15)
    expect(luolong.enterprises).toBe(5) // H, T1, T2, T3, E2
    // 2023: H on P1 (90) and T3 on P7 (60); E2 reported nothing for 2023
    const mu23 = mu.P1! + mu.P7!
    expect(luolong.trend.map((y: { year: number }) => y.year)).toEqual([2023, 2024])
    close(luolong.trend[0].tax_per_mu, 150 / mu23)
    close(luolong.change, LUOLONG_TAX_2024 / LUOLONG_MU() - 150 / mu23)
    const luanchuan = body.clusters.find((c: { code: string }) => c.code === 'luanchuan')
    close(luanchuan.tax_per_mu, 100 / mu.P6!)
    expect(luanchuan.target).toBe(20)
    // ranks: city-wide among clusters, by tax per mu and by attainment of the target
    const byPerMu = [['luolong', LUOLONG_TAX_2024 / LUOLONG_MU()], ['luanchuan', 100 / mu.P6!]] as const
    const first = byPerMu[0][1] > byPerMu[1][1] ? 'luolong' : 'luanchuan'
    expect(body.clusters.find((c: { code: string }) => c.code === first).rank_per_mu).toBe(1)
  })

  it('the county includes its parcels outside every cluster; counties and the city are held to 18 万元/亩', async () => {
    const body = await get('/api/permu/summary?year=2024&from=2024&asOf=2025-06-30')
    expect(body.city_target).toBe(18)
    const countyA = body.counties.find((c: { code: string }) => c.code === A)
    const muA = LUOLONG_MU() + mu.P5!
    close(countyA.tax_per_mu, (LUOLONG_TAX_2024 + 45) / muA)
    expect(countyA.target).toBe(18)
    // output per mu over the parcels that reported output only (P5 did not)
    close(countyA.output_per_mu, (OUTPUT_P1_2024 + 2400 + 700) / LUOLONG_MU())
    const city = body.city
    close(city.area_mu, muA + mu.P6!)
    close(city.tax_per_mu, (LUOLONG_TAX_2024 + 45 + 100) / (muA + mu.P6!))
    close(city.gap, (LUOLONG_TAX_2024 + 45 + 100) / (muA + mu.P6!) - 18)
    expect(city.enterprises).toBe(7) // H, T1, T2, T3, E2, E5, E6 (EX's land was recovered)
  })

  it('defaults the year to the last whole year before asOf and refuses a year after it', async () => {
    expect((await get('/api/permu/summary?asOf=2025-03-01')).year).toBe(2024)
    const res = await t.app.inject({ url: '/api/permu/summary?year=2026&asOf=2025-03-01', headers: analyst })
    expect(res.statusCode).toBe(400)
    expect(res.json().detail.field).toBe('year')
    const bad = await t.app.inject({ url: '/api/permu/summary?asOf=2025-02-30', headers: analyst })
    expect(bad.statusCode).toBe(400)
  })
})
