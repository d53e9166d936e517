/** Leases and enterprise records through the admin's API against real PostGIS: a recorded lease
 * moves the tenant's tax into the land's per-mu figure (annex 3 art. 14), checked against a
 * closed-form ellipsoidal area; an enterprise created only with a valid GB 32100-2015 code; a merge
 * keeps every figure and moves the contracts, the old code kept as an alias; each refused for
 * other roles and other counties, writing nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { boxAreaM2, boxAt, ensureCounty, figures, firmCode, grant, insertCluster, insertFirm, insertParcelBox, muOf, type Box } from '../../test/permu-land'

let t: TestApp
const A = '410311'
const B = '410324'
const ORIGIN: [number, number] = [112.45, 34.62]
const H = firmCode(901) // landholder
const T = firmCode(902) // tenant without land of its own
const E1 = firmCode(903)
const E2 = firmCode(904)
const FB = firmCode(905) // an enterprise of county B
let box: Box

const close = (actual: number, expected: number, abs = 1e-4) => expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(abs)

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await ensureCounty(db, A, '洛龙区')
  await ensureCounty(db, B, '栾川县')
  await insertCluster(db, { code: 'ls-a', county: A, target: 15, box: boxAt(ORIGIN, 0, 0, 3000, 3000) })
  box = boxAt(ORIGIN, 100, 100, 200, 150)
  const p = await insertParcelBox(db, { code: 'LS-P1', county: A, cluster: 'ls-a', box })
  for (const [c, n] of [[H, '出租方'], [T, '承租方'], [E1, '甲公司'], [E2, '甲公司（重复）']] as const) await insertFirm(db, c, n, A)
  await insertFirm(db, FB, '栾川企业', B)
  await grant(db, { no: 'LS-C1', parcelId: p, county: A, landUser: H, signedOn: '2020-01-01' })
  await figures(db, H, 2024, { tax: 100, output: 800 })
  await figures(db, T, 2024, { tax: 60, refund: 5, output: 400 })
  const p2 = await insertParcelBox(db, { code: 'LS-P2', county: A, cluster: 'ls-a', box: boxAt(ORIGIN, 500, 100, 100, 100) })
  await grant(db, { no: 'LS-C2', parcelId: p2, county: A, landUser: E2, signedOn: '2020-01-01' })
  await figures(db, E1, 2023, { tax: 10, output: 100, employment: 20 })
  await figures(db, E1, 2024, { tax: 20, refund: 1, output: 200, employment: 25 })
  await figures(db, E2, 2022, { tax: 7, output: 70 })
  await figures(db, E2, 2024, { tax: 5, refund: 2, output: 50, employment: 3 })
})
afterAll(async () => t?.close())

const parcelFigure = async () => {
  const res = await t.app.inject({ url: '/api/permu/parcels?year=2024&asOf=2025-06-30', headers: await t.loginAs('analyst', null) })
  expect(res.statusCode).toBe(200)
  return res.json().items.find((p: { code: string }) => p.code === 'LS-P1')
}

describe('leases (annex 3 art. 14)', () => {
  it('a lease moves the tenant\'s tax into the land\'s per-mu figure; end and list', async () => {
    const mu = muOf(boxAreaM2(box))
    const before = await parcelFigure()
    close(before.tax_wan, 100, 0.005)
    close(before.tax_per_mu, 100 / mu)
    const admin = await t.loginAs('admin', null)
    const res = await t.app.inject({ method: 'POST', url: '/api/parcels/LS-P1/leases', headers: admin,
      payload: { landholder_code: H, tenant_code: T, starts_on: '2024-01-01', area_m2: 5000, doc_no: '租赁合同 2024-01' } })
    expect(res.statusCode, res.body).toBe(201)
    const lease = res.json().leases[0]
    expect(lease).toMatchObject({ landholder_code: H, tenant_code: T, area_m2: 5000, starts_on: '2024-01-01', ends_on: null, doc_no: '租赁合同 2024-01' })
    const after = await parcelFigure()
    close(after.tax_wan, 100 + 60 + 5, 0.005) // refunds added back (annex 3 art. 14)
    close(after.tax_per_mu, 165 / mu)
    expect(after.enterprises).toBe(2)
    const bad = await t.app.inject({ method: 'POST', url: `/api/parcels/LS-P1/leases/${lease.id}/end`, headers: admin, payload: { ends_on: '2023-01-01' } })
    expect(bad.statusCode).toBe(400)
    const end = await t.app.inject({ method: 'POST', url: `/api/parcels/LS-P1/leases/${lease.id}/end`, headers: admin, payload: { ends_on: '2025-12-31' } })
    expect(end.statusCode).toBe(200)
    expect(end.json().leases[0]).toMatchObject({ ends_on: '2025-12-31', version: 2, in_force: false })
    // an ended lease stays as it was (the past reproduces)
    const again = await t.app.inject({ method: 'POST', url: `/api/parcels/LS-P1/leases/${lease.id}/end`, headers: admin, payload: { ends_on: '2026-01-31' } })
    expect(again.statusCode).toBe(409)
    // 2024 is inside the lease: the tenant stays merged into that year's figure
    close((await parcelFigure()).tax_wan, 165, 0.005)
    // on the card: the leases for roles that see enterprise figures, not for a surveyor
    const card = (await t.app.inject({ url: '/api/parcels/LS-P1', headers: await t.loginAs('analyst', [A]) })).json().properties
    expect(card.leases).toEqual([expect.objectContaining({ tenant_code: T, area_m2: 5000, ends_on: '2025-12-31', doc_no: '租赁合同 2024-01' })])
    const surveyorCard = await t.app.inject({ url: '/api/parcels/LS-P1', headers: await t.loginAs('surveyor', [A]) })
    expect(surveyorCard.statusCode).toBe(200)
    expect(surveyorCard.json().properties).not.toHaveProperty('leases')
    expect(surveyorCard.body).not.toContain('租赁合同 2024-01')
    const file = JSON.stringify((await t.app.inject({ url: '/api/parcels/LS-P1/history', headers: admin })).json())
    expect(file).toContain('租赁合同 2024-01')
  })

  it('refuses a lease of an unknown enterprise, other roles and other counties, writing nothing', async () => {
    const count = async () => (await t.database.db.one('SELECT count(*)::int AS n FROM lease')).n
    const n = await count()
    const body = { landholder_code: H, tenant_code: T, starts_on: '2025-01-01' }
    const admin = await t.loginAs('admin', null)
    expect((await t.app.inject({ method: 'POST', url: '/api/parcels/LS-P1/leases', headers: admin,
      payload: { ...body, tenant_code: firmCode(999) } })).statusCode).toBe(400)
    expect((await t.app.inject({ method: 'POST', url: '/api/parcels/LS-P1/leases', headers: admin,
      payload: { ...body, tenant_code: H } })).statusCode).toBe(400)
    for (const role of ['analyst', 'surveyor', 'inspector'] as const) {
      expect((await t.app.inject({ method: 'POST', url: '/api/parcels/LS-P1/leases', headers: await t.loginAs(role, null), payload: body })).statusCode).toBe(403)
    }
    expect((await t.app.inject({ method: 'POST', url: '/api/parcels/LS-P1/leases', headers: await t.loginAs('admin', [B]), payload: body })).statusCode).toBe(404)
    expect(await count()).toBe(n)
    // a merge of the landholder and its tenant is refused and leaves everything as it was
    const snapshot = 'SELECT (SELECT count(*) FROM enterprise)::int AS firms, (SELECT sum(tax_paid_wan)::float FROM enterprise_year WHERE credit_code = $1) AS tax'
    const was = await t.database.db.one(snapshot, [H])
    const merge = await t.app.inject({ method: 'POST', url: `/api/enterprises/${H}/merge`, headers: admin, payload: { from: T, note: 'x' } })
    expect(merge.statusCode).toBe(409)
    expect(await t.database.db.one(snapshot, [H])).toEqual(was)
    // the list names tenants and areas: only for roles that see enterprise figures
    expect((await t.app.inject({ url: '/api/parcels/LS-P1/leases', headers: await t.loginAs('surveyor', null) })).statusCode).toBe(403)
    const list = await t.app.inject({ url: '/api/parcels/LS-P1/leases', headers: await t.loginAs('analyst', [A]) })
    expect(list.statusCode).toBe(200)
    expect(list.json().leases).toHaveLength(1)
  })
})

describe('enterprises: create and merge', () => {
  it('creates an enterprise only with a valid credit code (GB 32100-2015 check character)', async () => {
    const admin = await t.loginAs('admin', null)
    // 91350100M000100Y43 and 91110000600037341L are published codes; the last character of the third is wrong
    const bad = await t.app.inject({ method: 'POST', url: '/api/enterprises', headers: admin,
      payload: { credit_code: '911100006000373410', name: '错码企业', county_code: A } })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('L')
    const ok = await t.app.inject({ method: 'POST', url: '/api/enterprises', headers: admin,
      payload: { credit_code: '91110000600037341L', name: '新登记企业', county_code: A, industry: '装备制造' } })
    expect(ok.statusCode, ok.body).toBe(201)
    expect(ok.json()).toMatchObject({ credit_code: '91110000600037341L', name: '新登记企业' })
    const again = await t.app.inject({ method: 'POST', url: '/api/enterprises', headers: admin,
      payload: { credit_code: '91110000600037341L', name: '新登记企业', county_code: A } })
    expect(again.statusCode).toBe(409)
    const other = await t.app.inject({ method: 'POST', url: '/api/enterprises', headers: await t.loginAs('admin', [B]),
      payload: { credit_code: '91350100M000100Y43', name: '外县企业', county_code: A } })
    expect(other.statusCode).toBe(403)
    const analyst = await t.app.inject({ method: 'POST', url: '/api/enterprises', headers: await t.loginAs('analyst', null),
      payload: { credit_code: '91350100M000100Y43', name: '外县企业', county_code: A } })
    expect(analyst.statusCode).toBe(403)
    expect(await t.database.db.oneOrNone("SELECT 1 FROM enterprise WHERE credit_code = '91350100M000100Y43'")).toBeNull()
  })

  it('a merge keeps every figure, moves the contracts and keeps the old code as an alias', async () => {
    const db = t.database.db
    const totals = 'SELECT sum(tax_paid_wan)::float AS tax, sum(tax_refund_wan)::float AS refund, sum(output_wan)::float AS output, sum(employment)::int AS employment FROM enterprise_year WHERE credit_code IN ($1, $2)'
    const before = await db.one(totals, [E1, E2])
    for (const [headers, status] of [[await t.loginAs('analyst', null), 403], [await t.loginAs('admin', [B]), 404]] as const) {
      const res = await t.app.inject({ method: 'POST', url: `/api/enterprises/${E1}/merge`, headers, payload: { from: E2, note: '重复登记' } })
      expect(res.statusCode).toBe(status)
    }
    const admin = await t.loginAs('admin', null)
    const res = await t.app.inject({ method: 'POST', url: `/api/enterprises/${E1}/merge`, headers: admin, payload: { from: E2, note: '同一企业重复登记' } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ credit_code: E1, merged_from: E2, moved: { figures: 2, contracts: 1, leases: 0 } })
    expect(await db.one(totals, [E1, E2])).toEqual(before)
    const years = await db.any('SELECT year, tax_paid_wan::float AS tax, tax_refund_wan::float AS refund, output_wan::float AS output, employment FROM enterprise_year WHERE credit_code = $1 ORDER BY year', [E1])
    expect(years).toEqual([
      { year: 2022, tax: 7, refund: 0, output: 70, employment: null },
      { year: 2023, tax: 10, refund: 0, output: 100, employment: 20 },
      { year: 2024, tax: 25, refund: 3, output: 250, employment: 28 },
    ])
    expect(await db.one("SELECT land_user_code FROM supply_contract WHERE contract_no = 'LS-C2'")).toEqual({ land_user_code: E1 })
    expect(await db.one('SELECT credit_code, name FROM enterprise_alias WHERE alias_code = $1', [E2])).toEqual({ credit_code: E1, name: '甲公司（重复）' })
    expect(await db.oneOrNone('SELECT 1 FROM enterprise WHERE credit_code = $1', [E2])).toBeNull()
    // the old code is taken: it cannot be recorded again as another enterprise
    const reuse = await t.app.inject({ method: 'POST', url: '/api/enterprises', headers: admin,
      payload: { credit_code: E2, name: '冒用', county_code: A } })
    expect(reuse.statusCode).toBe(400) // firmCode() codes carry no valid check character either
    const moved = await t.app.inject({ url: `/api/enterprises/${E2}`, headers: admin })
    expect(moved.statusCode).toBe(301)
    expect(moved.headers.location).toBe(`/api/enterprises/${E1}`)
    const view = (await t.app.inject({ url: `/api/enterprises/${E1}`, headers: admin })).json()
    expect(view.land.map((l: { code?: string; parcel_code?: string }) => l.code ?? l.parcel_code)).toContain('LS-P2')
  })
})
