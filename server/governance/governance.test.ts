/** The pieces around the stored reports: the comparison of a regeneration, the rule-version
 * changes, periods, and tax per mu withheld from a role outside ONEMAP_SENSITIVE_ROLES (in the
 * JSON, the CSV and the regeneration alike). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonDiff, ruleVersionChanges } from './diff'
import { parseCsv } from './csv'
import { createTestApp, type TestApp } from '../test/app'
import { Scenario } from '../test/scenario'

describe('jsonDiff', () => {
  it('lists every changed leaf by path, and nothing for equal documents', () => {
    const a = { counties: [{ code: '410311', idle: { parcels: 2, codes: ['A', 'B'] } }], as_of: '2024-06-30' }
    expect(jsonDiff(a, structuredClone(a))).toEqual([])
    const b = { counties: [{ code: '410311', idle: { parcels: 3, codes: ['A', 'B', 'C'] } }], as_of: '2024-06-30', extra: true }
    expect(jsonDiff(a, b)).toEqual([
      { path: 'counties.0.idle.codes.2', then: null, now: 'C' },
      { path: 'counties.0.idle.parcels', then: 2, now: 3 },
      { path: 'extra', then: null, now: true },
    ])
    expect(jsonDiff({ x: [1] }, { x: { 0: 1 } })).toEqual([{ path: 'x', then: [1], now: { 0: 1 } }])
  })

  it('names the rules whose row in force changed', () => {
    const then = [{ key: 'idle_days', rule_id: 1, county_code: null, effective_from: '1900-01-01' }]
    const now = [...then, { key: 'idle_days', rule_id: 9, county_code: '410311', effective_from: '2024-01-01' }]
    expect(ruleVersionChanges(then, then)).toEqual([])
    expect(ruleVersionChanges(then, now)).toEqual([{ key: 'idle_days', county_code: '410311', then: null, now: 9 }])
  })
})

type Redacted = { counties: { per_mu_tax: unknown; indicators: { per_mu_tax: unknown }; figures: unknown }[] }

describe('periods', () => {
  let t: TestApp
  beforeAll(async () => { t = await createTestApp({ ONEMAP_SENSITIVE_ROLES: 'admin' }) })
  afterAll(async () => t?.close())

  it('quarter, half and year bounds, the year-start stock date and the part of the year', async () => {
    const rows = await t.database.db.any(`SELECT p.* FROM unnest(ARRAY['2024Q1','2024Q4','2024H2','2024']) x, governance.period_bounds(x) p`)
    expect(rows.map((r) => [r.label, r.kind, r.starts_on, r.ends_on, r.year_start, Number(r.fraction)])).toEqual([
      ['2024Q1', 'quarter', '2024-01-01', '2024-03-31', '2023-12-31', 0.25],
      ['2024Q4', 'quarter', '2024-10-01', '2024-12-31', '2023-12-31', 1],
      ['2024H2', 'half', '2024-07-01', '2024-12-31', '2023-12-31', 1],
      ['2024', 'year', '2024-01-01', '2024-12-31', '2023-12-31', 1],
    ])
    await expect(t.database.db.any(`SELECT * FROM governance.period_bounds('2024H3')`)).rejects.toThrow(/2024H3/)
  })

  it('the one redaction (redact_sensitive) withholds every per-mu figure and indicator of a report', async () => {
    const r = await t.database.db.one('SELECT redact_sensitive($1::jsonb) AS v', [JSON.stringify({
      counties: [{ per_mu_tax: { tax_per_mu: 10, attainment: 0.5 }, indicators: { per_mu_tax: { value: 0.5, weight: 10, points: 50 } },
        figures: { per_mu_attainment: 0.5, parcels: 3 } }] })], (x: { v: Redacted }) => x.v)
    expect(JSON.stringify(r)).not.toMatch(/tax_per_mu|0\.5|points|attainment/)
    expect(r.counties[0].per_mu_tax).toEqual({ withheld: expect.any(String) })
    expect(r.counties[0].indicators.per_mu_tax).toEqual({ value: null, left_out: 'withheld', weight: 10 })
    expect(r.counties[0].figures).toEqual({ parcels: 3 })
  })

  it('tax per mu is withheld from a role outside ONEMAP_SENSITIVE_ROLES, in JSON, CSV and the regeneration', async () => {
    const db = t.database.db
    const s = new Scenario(db, '410311', 'gw')
    await s.ensureCounty('410311', '洛龙区')
    const cl = await s.cluster({ code: 'gw-a', rect: [-500, -500, 2000, 2000] })
    const e = await s.enterprise({ code: '91410300MA0000GW01' })
    const p = await s.parcel({ rect: [0, 0, 100, 100], cluster: cl })
    await s.contract({ parcel: p, signedOn: '2019-01-01', landUser: e })
    await db.none('INSERT INTO enterprise_year (credit_code, year, tax_paid_wan) VALUES ($1, 2023, 150)', [e])
    const admin = await t.loginAs('admin', null)
    const analyst = await t.loginAs('analyst', null)
    const made = await t.app.inject({ method: 'POST', url: '/api/reports', headers: analyst, payload: { kind: 'quarterly', period: '2024Q2' } })
    expect(made.statusCode, made.body).toBe(201)
    expect(made.json().result.counties[0].per_mu_tax).toMatchObject({ withheld: expect.any(String) })
    const id = made.json().id
    const full = (await t.app.inject({ method: 'GET', url: `/api/reports/${id}`, headers: admin })).json()
    expect(full.result.counties[0].per_mu_tax.tax_per_mu).toBeGreaterThan(9)
    const seen = (await t.app.inject({ method: 'GET', url: `/api/reports/${id}`, headers: analyst })).json()
    expect(JSON.stringify(seen.result)).not.toMatch(/"(tax_per_mu|attainment)":/)
    const csv = parseCsv((await t.app.inject({ method: 'GET', url: `/api/reports/${id}/export.csv`, headers: analyst })).body)
    const col = csv[0]!.indexOf('亩均税收(万元/亩)')
    expect(csv.slice(1).map((r) => r[col])).toEqual(['不公开', '不公开', '不公开'])
    // a correction to the tax figure changes the regeneration; the analyst is told where, not the numbers
    await db.none('UPDATE enterprise_year SET tax_paid_wan = 300 WHERE credit_code = $1', [e])
    const regen = (await t.app.inject({ method: 'POST', url: `/api/reports/${id}/regenerate`, headers: analyst })).json()
    expect(regen.same).toBe(false)
    expect(regen.withheld_differences).toBeGreaterThan(0)
    expect(JSON.stringify(regen.differences)).not.toMatch(/tax_per_mu|attainment/)
  })
})
