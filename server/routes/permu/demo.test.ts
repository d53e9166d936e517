/** The demo data (scripts/demo/) through the per-mu endpoints: every one of the 18 clusters has per-mu
 * results, some above their target and some below, exactly as the demo's built cases say (even fixture
 * positions above, in 2022–2024); the leased case parcels meet or miss the target as their tenants
 * decide; the cluster totals add up to the city; standard-land contracts have a status and pilot
 * shares for every year. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { DEMO_CASES, generateDemo, REFERENCE_DATE } from '../../../scripts/demo/generate'
import { loadDemo } from '../../../scripts/demo/load'

let t: TestApp
let analyst: { authorization: string }
type Unit = { code: string; tax_per_mu: number | null; target: number; above_target: boolean | null; area_mu: number; tax_wan: number; trend: { year: number; above_target: boolean | null }[] }
let summary: { city: Unit; clusters: Unit[]; counties: Unit[] }

beforeAll(async () => {
  t = await createTestApp()
  await loadDemo(t.database.db, generateDemo())
  analyst = await t.loginAs('analyst', null)
  const res = await t.app.inject({ url: `/api/permu/summary?year=2024&from=2022&asOf=${REFERENCE_DATE}`, headers: analyst })
  expect(res.statusCode, res.body).toBe(200)
  summary = res.json()
}, 300_000)
afterAll(async () => t?.close())

describe(`per-mu results of the demo as of ${REFERENCE_DATE}`, () => {
  it('covers all 18 clusters, some above their target and some below', () => {
    expect(summary.clusters).toHaveLength(18)
    for (const c of summary.clusters) expect(c.tax_per_mu, c.code).toBeGreaterThan(0)
    const above = summary.clusters.filter((c) => c.above_target).length
    expect(above).toBeGreaterThanOrEqual(3)
    expect(18 - above).toBeGreaterThanOrEqual(3)
  })

  const clusterCases = DEMO_CASES.filter((c) => c.classification === 'cluster_per_mu_above_target')
  it.each(clusterCases.map((c) => [c.code, c] as const))('cluster %s is above or below its target in 2022–2024 as the demo says', (_code, c) => {
    const unit = summary.clusters.find((u) => u.code === c.code)!
    expect(unit.trend.map((y) => y.above_target), c.note).toEqual([c.expect, c.expect, c.expect])
  })

  it('adds the cluster areas and taxes up to no more than the city (which also counts land outside clusters)', () => {
    const area = summary.clusters.reduce((s, c) => s + c.area_mu, 0)
    const tax = summary.clusters.reduce((s, c) => s + c.tax_wan, 0)
    const countyArea = summary.counties.reduce((s, c) => s + (c.area_mu ?? 0), 0)
    // each value is rounded (area to 1e-4 mu, tax to 0.01 万元): 18 of them
    expect(area).toBeLessThanOrEqual(summary.city.area_mu + 18 * 1e-4)
    expect(tax).toBeLessThanOrEqual(summary.city.tax_wan + 18 * 0.01)
    // every parcel is in exactly one county: the counties add up to the city (to the rounding of 14 values)
    expect(Math.abs(countyArea - summary.city.area_mu)).toBeLessThan(14 * 1e-4)
    expect(summary.city.target).toBe(18)
  })

  const parcelCases = DEMO_CASES.filter((c) => c.classification === 'per_mu_meets_target')
  it.each(parcelCases.map((c) => [c.code, c] as const))('leased case parcel %s meets its target in 2024 as its tenants decide', async (_code, c) => {
    const res = await t.app.inject({ url: `/api/permu/parcels?year=2024&asOf=${REFERENCE_DATE}`, headers: analyst })
    const p = res.json().items.find((i: { code: string }) => i.code === c.code)
    expect(p, c.code).toBeDefined()
    expect(p.tax_per_mu >= p.target, c.note).toBe(c.expect)
    expect(p.contributors.some((x: { relation: string }) => x.relation === 'tenant')).toBe(true)
  })

  it('gives every standard-land contract a status and the pilot shares a value for each year', async () => {
    const list = (await t.app.inject({ url: `/api/standard-land?asOf=${REFERENCE_DATE}&limit=1000`, headers: analyst })).json()
    expect(list.total).toBeGreaterThan(50)
    expect(list.items.every((i: { status: string }) => typeof i.status === 'string')).toBe(true)
    const shares = (await t.app.inject({ url: `/api/standard-land/shares?year=2024&from=2021&asOf=${REFERENCE_DATE}`, headers: analyst })).json()
    expect(shares.city.years.map((y: { share_area: number }) => y.share_area > 0)).toEqual([true, true, true, true])
  })
})
