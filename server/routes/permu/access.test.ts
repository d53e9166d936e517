/** Who sees what of the per-mu figures, per role and county scope, on every new endpoint: enterprise
 * and parcel figures only for the roles of ONEMAP_SENSITIVE_ROLES; aggregates for the roles of
 * ONEMAP_AGGREGATE_ROLES (default: every signed-in role; "public" opens them to everyone), with the
 * aggregates of fewer than 3 enterprises withheld from roles that may not see enterprise figures;
 * a county's staff see their own counties (and the city total). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import type { Role } from '../../config'
import { B, buildWorld, E6, H, mu } from '../../test/permu-world'

type Headers = { authorization: string }
let t: TestApp
const as: Partial<Record<string, Headers>> = {}

const ENTERPRISE_ROUTES = [
  '/api/permu/enterprises?year=2024&asOf=2025-06-30',
  `/api/permu/enterprises/${H}?year=2024&asOf=2025-06-30`,
  '/api/permu/parcels?year=2024&asOf=2025-06-30',
  '/api/permu/ratings?year=2024&asOf=2025-06-30',
]
const AGGREGATE_ROUTES = [
  '/api/permu/summary?year=2024&asOf=2025-06-30',
  '/api/permu/kpis?year=2024&asOf=2025-06-30',
  '/api/standard-land/shares?year=2024&asOf=2025-06-30',
]

beforeAll(async () => {
  t = await createTestApp()
  await buildWorld(t.database.db)
  for (const role of ['admin', 'analyst', 'surveyor', 'inspector'] as Role[]) as[role] = await t.loginAs(role, null)
  as.analystB = await t.loginAs('analyst', [B])
  as.surveyorB = await t.loginAs('surveyor', [B])
})
afterAll(async () => t?.close())

const status = async (url: string, headers?: Headers, method: 'GET' | 'POST' = 'GET') =>
  (await t.app.inject({ method, url, ...(headers ? { headers } : {}) })).statusCode
const body = async (url: string, headers: Headers) => {
  const res = await t.app.inject({ url, headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

describe('enterprise-level figures', () => {
  it.each(['admin', 'analyst'])('are served to %s (a sensitive role)', async (role) => {
    for (const url of ENTERPRISE_ROUTES) expect(await status(url, as[role]), url).toBe(200)
  })

  it.each(['surveyor', 'inspector'])('are refused to %s (403) and to anyone not signed in (401)', async (role) => {
    for (const url of ENTERPRISE_ROUTES) {
      expect(await status(url, as[role]), url).toBe(403)
      expect(await status(url), url).toBe(401)
    }
    expect(await status('/api/permu/ratings/2024', as[role], 'POST')).toBe(403)
  })

  it('stay in the caller\'s counties: another county\'s enterprise is missing (404), lists hold the county\'s own', async () => {
    expect(await status(`/api/permu/enterprises/${H}?year=2024&asOf=2025-06-30`, as.analystB)).toBe(404)
    const list = await body('/api/permu/enterprises?year=2024&asOf=2025-06-30', as.analystB!)
    expect(list.items.map((e: { credit_code: string }) => e.credit_code)).toEqual([E6])
    const parcels = await body('/api/permu/parcels?year=2024&asOf=2025-06-30', as.analystB!)
    expect(parcels.items.map((p: { code: string }) => p.code)).toEqual(['P6'])
    const ratings = await body('/api/permu/ratings?year=2024&asOf=2025-06-30', as.analystB!)
    expect(ratings.items.map((r: { credit_code: string }) => r.credit_code)).toEqual([E6])
    // a county filter narrows the scope, never widens it
    const widened = await body('/api/permu/parcels?year=2024&asOf=2025-06-30&county=410311', as.analystB!)
    expect(widened.items).toEqual([])
  })
})

describe('aggregates', () => {
  it.each(['admin', 'analyst', 'surveyor', 'inspector'])('are served to %s by default', async (role) => {
    for (const url of AGGREGATE_ROUTES) expect(await status(url, as[role]), url).toBe(200)
  })

  it('are refused to anyone not signed in by default', async () => {
    for (const url of AGGREGATE_ROUTES) expect(await status(url), url).toBe(401)
  })

  it('withhold the figures of a cluster of fewer than 3 enterprises from a surveyor, not from an analyst', async () => {
    const seen = await body('/api/permu/summary?year=2024&asOf=2025-06-30', as.surveyor!)
    const luanchuan = seen.clusters.find((c: { code: string }) => c.code === 'luanchuan')
    expect(luanchuan).toMatchObject({ enterprises: 1, suppressed: true, tax_per_mu: null, tax_wan: null, output_per_mu: null })
    expect(luanchuan.trend.at(-1)).toMatchObject({ suppressed: true, tax_per_mu: null })
    const luolong = seen.clusters.find((c: { code: string }) => c.code === 'luolong')
    expect(luolong.suppressed).toBe(false)
    expect(luolong.tax_per_mu).toBeGreaterThan(0)
    const full = await body('/api/permu/summary?year=2024&asOf=2025-06-30', as.analyst!)
    const l2 = full.clusters.find((c: { code: string }) => c.code === 'luanchuan')
    expect(l2.suppressed).toBe(false)
    expect(Math.abs(l2.tax_per_mu - 100 / mu.P6!)).toBeLessThan(1e-4)
  })

  it('show a county\'s staff their own county and clusters, and the city total', async () => {
    const seen = await body('/api/permu/summary?year=2024&asOf=2025-06-30', as.surveyorB!)
    expect(seen.clusters.map((c: { code: string }) => c.code)).toEqual(['luanchuan'])
    expect(seen.counties.map((c: { code: string }) => c.code)).toEqual([B])
    expect(seen.city.enterprises).toBe(7)
    const kpis = await body('/api/permu/kpis?year=2024&asOf=2025-06-30', as.surveyorB!)
    expect(kpis.items.map((k: { code: string }) => k.code)).toEqual(['city', 'luanchuan'])
    const shares = await body('/api/standard-land/shares?year=2024&asOf=2025-06-30', as.surveyorB!)
    expect(shares.clusters.map((c: { code: string }) => c.code)).toEqual(['luanchuan'])
  })
})

describe('the aggregate setting (ONEMAP_AGGREGATE_ROLES)', () => {
  const withEnv = async (value: string, run: (app: TestApp) => Promise<void>) => {
    const app = await createTestApp({ ONEMAP_AGGREGATE_ROLES: value })
    try {
      await buildWorld(app.database.db)
      await run(app)
    } finally {
      await app.close()
    }
  }

  it('"public" shows the city\'s aggregates to everyone, small ones withheld, and nothing more', async () => {
    await withEnv('public', async (app) => {
      const res = await app.app.inject({ url: '/api/permu/summary?year=2024&asOf=2025-06-30' })
      expect(res.statusCode, res.body).toBe(200)
      const s = res.json()
      expect(s.clusters.map((c: { code: string }) => c.code).sort()).toEqual(['luanchuan', 'luolong'])
      expect(s.clusters.find((c: { code: string }) => c.code === 'luanchuan').tax_per_mu).toBeNull()
      expect((await app.app.inject({ url: '/api/permu/parcels?year=2024&asOf=2025-06-30' })).statusCode).toBe(401)
      expect((await app.app.inject({ url: '/api/standard-land/shares?year=2024&asOf=2025-06-30' })).statusCode).toBe(200)
    })
  })

  it('"admin" keeps them from surveyors while the sensitive roles still see them', async () => {
    await withEnv('admin', async (app) => {
      const surveyor = await app.loginAs('surveyor', null)
      const analyst = await app.loginAs('analyst', null)
      expect((await app.app.inject({ url: '/api/permu/summary?year=2024&asOf=2025-06-30', headers: surveyor })).statusCode).toBe(403)
      expect((await app.app.inject({ url: '/api/permu/summary?year=2024&asOf=2025-06-30', headers: analyst })).statusCode).toBe(200)
    })
  })

  it('an unknown role stops the start', async () => {
    await expect(createTestApp({ ONEMAP_AGGREGATE_ROLES: 'boss' })).rejects.toThrow(/ONEMAP_AGGREGATE_ROLES.*boss/)
  })
})
