/** The analysis API: GeoJSON with reasons, county scope, paging, asOf, sensitive figures, the
 * summary, the card's classifications and the admin full recompute. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { Scenario } from '../../test/scenario'
import { jobFollowed, jobResult } from '../../test/jobs'

let t: TestApp
const AS_OF = '2024-06-30'
const ids: Record<string, number> = {}
let clusterA = ''

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  const a = new Scenario(db, '410311', 'api-a')
  const b = new Scenario(db, '410322', 'api-b')
  await a.ensureCounty()
  await b.ensureCounty()
  clusterA = await a.cluster({ code: 'api-a-cl', rect: [0, 0, 5000, 5000] })
  const clusterB = await b.cluster({ code: 'api-b-cl', rect: [6000, 0, 5000, 5000] })
  // Three idle parcels in county A (not started since 2022), one in county B.
  for (const [i, x] of [100, 300, 500].entries()) {
    ids[`idleA${i}`] = await a.parcel({ code: `api-a-idle-${i}`, rect: [x, 100, 100, 100], cluster: clusterA })
    await a.contract({ parcel: ids[`idleA${i}`]!, signedOn: '2021-10-01', agreedStartOn: '2022-01-01' })
  }
  ids.idleB = await b.parcel({ code: 'api-b-idle', rect: [6100, 100, 100, 100], cluster: clusterB })
  await b.contract({ parcel: ids.idleB, signedOn: '2021-10-01', agreedStartOn: '2022-01-01' })
  // A type 4 parcel: accepted 2019, losses 2020–2023.
  const e = await a.enterprise({ industry: '装备制造' })
  ids.stopped = await a.parcel({ code: 'api-a-stopped', rect: [100, 400, 100, 100], cluster: clusterA })
  await a.contract({ parcel: ids.stopped, signedOn: '2017-01-01', agreedStartOn: '2017-03-01', landUser: e })
  await a.event({ parcel: ids.stopped, kind: 'completion_acceptance', on: '2019-05-01' })
  for (const y of [2020, 2021, 2022, 2023]) await a.year({ creditCode: e, year: y, profitWan: -12.5 })
  // A batch half supplied, and a construction change on bare land.
  await a.batch({ rect: [1000, 1000, 200, 100], approvedOn: '2019-01-01', cluster: clusterA })
  const half = await a.parcel({ code: 'api-a-half', rect: [1000, 1000, 100, 100], cluster: clusterA })
  await a.contract({ parcel: half, signedOn: '2020-01-01' })
  await a.event({ parcel: half, kind: 'start', on: '2020-02-01' })
  await a.change({ rect: [2000, 2000, 50, 50], imageAfter: '2024-03-31' })
})
afterAll(async () => t.close())

describe('GET /api/analysis/idle', () => {
  it('refuses anonymous callers', async () => {
    const res = await t.app.inject(`/api/analysis/idle?asOf=${AS_OF}`)
    expect(res.statusCode).toBe(401)
  })

  it('returns GeoJSON parcels with the rule, measured value, threshold and source, in the caller\'s counties only', async () => {
    const headers = await t.loginAs('analyst', ['410311'])
    const res = await t.app.inject({ url: `/api/analysis/idle?asOf=${AS_OF}`, headers })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/application\/geo\+json/)
    const fc = res.json()
    expect(fc.type).toBe('FeatureCollection')
    expect(fc.total).toBe(3)
    expect(fc.features.map((f: any) => f.properties.code)).toEqual(['api-a-idle-0', 'api-a-idle-1', 'api-a-idle-2'])
    const f = fc.features[0]
    expect(f.geometry.type).toBe('MultiPolygon')
    expect(f.properties.findings[0]).toMatchObject({ rule: 'idle.not_started', stage: 2, suspended: false })
    expect(f.properties.findings[0].reason.measured.days_since_agreed_start).toBe(911)
    expect(f.properties.findings[0].reason.thresholds[0]).toMatchObject({ key: 'idle_days', value: 365 })
    // County B is out of scope: filtering on it finds nothing rather than an error.
    const other = await t.app.inject({ url: `/api/analysis/idle?asOf=${AS_OF}&county=410322`, headers })
    expect(other.json().total).toBe(0)
  })

  it('pages, and filters by cluster and stage', async () => {
    const headers = await t.loginAs('analyst', null)
    const page = (await t.app.inject({ url: `/api/analysis/idle?asOf=${AS_OF}&limit=2&offset=2`, headers })).json()
    expect(page.total).toBe(4)
    expect(page.features.map((f: any) => f.properties.code)).toEqual(['api-a-idle-2', 'api-b-idle'])
    const inA = (await t.app.inject({ url: `/api/analysis/idle?asOf=${AS_OF}&cluster=${clusterA}`, headers })).json()
    expect(inA.total).toBe(3)
    // As of 2022-06-30 they were 180 days late: nothing; as of 2023-06-30 stage 1.
    expect((await t.app.inject({ url: '/api/analysis/idle?asOf=2022-06-30', headers })).json().total).toBe(0)
    expect((await t.app.inject({ url: '/api/analysis/idle?asOf=2023-06-30&stage=1', headers })).json().total).toBe(4)
  })

  it('refuses a date that does not exist, naming the field', async () => {
    const headers = await t.loginAs('analyst', null)
    const res = await t.app.inject({ url: '/api/analysis/idle?asOf=2023-02-30', headers })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/asOf "2023-02-30"/)
    const bad = await t.app.inject({ url: '/api/analysis/idle?limit=5000', headers })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/limit/)
  })
})

describe('GET /api/analysis/inefficient', () => {
  it('shows enterprise profits to sensitive roles only', async () => {
    const analyst = await t.loginAs('analyst', ['410311'])
    const surveyor = await t.loginAs('surveyor', ['410311'])
    const shown = (await t.app.inject({ url: `/api/analysis/inefficient?asOf=${AS_OF}&type=4`, headers: analyst })).json()
    expect(shown.total).toBe(1)
    expect(shown.features[0].properties.findings[0].reason.measured.profit_wan).toEqual({ 2020: -12.5, 2021: -12.5, 2022: -12.5, 2023: -12.5 })
    const hidden = await t.app.inject({ url: `/api/analysis/inefficient?asOf=${AS_OF}&type=4`, headers: surveyor })
    expect(hidden.json().features[0].properties.findings[0].rule).toBe('inefficient.type4_stopped')
    expect(hidden.json().features[0].properties.findings[0].reason.measured).toMatch(/hidden/)
    expect(hidden.body).not.toMatch(/-12\.5/)
  })
})

describe('GET /api/analysis/unsupplied and /used-before-supply/changes', () => {
  it('draws the remainder of the half-supplied batch and the change on bare land', async () => {
    const headers = await t.loginAs('inspector', ['410311'])
    const u = (await t.app.inject({ url: `/api/analysis/unsupplied?asOf=${AS_OF}`, headers })).json()
    expect(u.total).toBe(1)
    const p = u.features[0].properties
    expect(u.features[0].geometry.type).toBe('MultiPolygon')
    expect(p.digestion_rate).toBeCloseTo(0.5, 3)
    expect(p.remainder_m2 / p.batch_m2).toBeCloseTo(0.5, 3)
    expect(p.reason.rule).toBe('unsupplied.remainder')
    const c = (await t.app.inject({ url: `/api/analysis/used-before-supply/changes?asOf=${AS_OF}`, headers })).json()
    expect(c.total).toBe(1)
    expect(c.features[0].properties.area_m2).toBeGreaterThan(2500 * 0.995)
    expect(c.features[0].properties.area_m2).toBeLessThan(2500 * 1.005)
    // Before the image that showed it.
    expect((await t.app.inject({ url: '/api/analysis/used-before-supply/changes?asOf=2024-03-30', headers })).json().total).toBe(0)
  })
})

describe('GET /api/analysis/summary', () => {
  it('gives counts per cluster that add up to the city', async () => {
    const headers = await t.loginAs('analyst', null)
    const s = (await t.app.inject({ url: `/api/analysis/summary?asOf=${AS_OF}`, headers })).json()
    expect(s.city.idle.parcels).toBe(4)
    expect(s.city.inefficient.by_type['4']).toBe(1)
    for (const key of ['idle', 'inefficient', 'conformity', 'used_before_supply'] as const) {
      const sum = s.clusters.reduce((x: number, c: any) => x + c[key].parcels, 0)
      expect(sum).toBe(s.city[key].parcels)
      const area = s.clusters.reduce((x: number, c: any) => x + c[key].area_m2, 0)
      expect(area.toFixed(2)).toBe(s.city[key].area_m2.toFixed(2))
    }
    const scoped = (await t.app.inject({ url: `/api/analysis/summary?asOf=${AS_OF}&county=410322`, headers })).json()
    expect(scoped.city.idle.parcels).toBe(1)
    expect(scoped.clusters.map((c: any) => c.cluster_code)).toEqual(['api-b-cl'])
  })
})

describe('GET /api/analysis/parcels/:code', () => {
  it('lists the classifications of one parcel; out of scope answers like missing', async () => {
    const headers = await t.loginAs('analyst', ['410311'])
    const res = await t.app.inject({ url: `/api/analysis/parcels/api-a-idle-0?asOf=${AS_OF}`, headers })
    expect(res.statusCode).toBe(200)
    expect(res.json().classifications.map((c: any) => c.rule)).toEqual(['idle.not_started'])
    const out = await t.app.inject({ url: `/api/analysis/parcels/api-b-idle?asOf=${AS_OF}`, headers })
    const missing = await t.app.inject({ url: `/api/analysis/parcels/nope?asOf=${AS_OF}`, headers })
    expect(out.statusCode).toBe(404)
    expect(missing.statusCode).toBe(404)
  })
})

describe('POST /api/analysis/refresh', () => {
  it('is for admins; materialises the date and serves the same answer as the live computation', async () => {
    const analyst = await t.loginAs('analyst', null)
    const admin = await t.loginAs('admin', null)
    expect((await t.app.inject({ method: 'POST', url: '/api/analysis/refresh', headers: analyst, payload: { asOf: AS_OF } })).statusCode).toBe(403)
    const urls = [`/api/analysis/idle?asOf=${AS_OF}`, `/api/analysis/inefficient?asOf=${AS_OF}`, `/api/analysis/unsupplied?asOf=${AS_OF}`,
      `/api/analysis/used-before-supply/changes?asOf=${AS_OF}`, `/api/analysis/summary?asOf=${AS_OF}`]
    const live = await Promise.all(urls.map(async (url) => (await t.app.inject({ url, headers: analyst })).body))
    // a job on the job table (202), run once by the runner as the admin who started it, its start audited
    const res = await t.app.inject({ method: 'POST', url: '/api/analysis/refresh', headers: admin, payload: { asOf: AS_OF } })
    expect(res.json()).toMatchObject({ kind: 'analysis-recompute', kind_name: '全量重算' })
    const result = await jobResult<{ as_of: string; duration_ms: number; past_to_store: string[]; past_job: number | null }>(t.app, res, admin)
    expect(result).toMatchObject({ as_of: AS_OF, batches: 1, changes: 1 })
    expect(result.duration_ms).toBeGreaterThanOrEqual(0)
    // the summary's past remainders it could not keep: a follow-on job of its own, queued with it,
    // which stores each of those dates (seen and followed at GET /api/jobs/:id like any other)
    expect(result.past_to_store.length).toBeGreaterThan(0)
    expect(result.past_job).toEqual(expect.any(Number))
    const past = await jobFollowed<{ stored: number }>(t.app, result.past_job!, admin)
    expect(past).toMatchObject({ kind: 'analysis-past', state: 'done' })
    expect(past.result.stored).toBeGreaterThan(0)
    expect(await t.database.db.map('SELECT since::text AS d FROM analysis.unsupplied_past_date WHERE stored_for = $1 ORDER BY since', [AS_OF],
      (r: { d: string }) => r.d)).toEqual([...result.past_to_store].sort())
    const audit = await t.database.db.one(`SELECT username, object, result, detail FROM security_event WHERE kind = 'job_started' ORDER BY seq DESC LIMIT 1`)
    expect(audit).toMatchObject({ username: 'admin_city', object: 'POST /api/analysis/refresh', result: 'ok', detail: { status: 202, job: res.json().id, job_kind: 'analysis-recompute' } })
    const stored = await Promise.all(urls.map(async (url) => (await t.app.inject({ url, headers: analyst })).body))
    for (let i = 0; i < urls.length; i++) {
      expect(stored[i]!.replace('"materialised":true', '"materialised":false'), urls[i]).toBe(live[i])
    }
    expect((await t.app.inject({ url: '/api/analysis/snapshot', headers: analyst })).json().as_of).toBe(AS_OF)
  })
})
