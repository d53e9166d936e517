/** County rule versions and official flags through the API against real PostGIS: a future-dated
 * rule version changes a boundary parcel's idleness from its date and not before (asOf on both
 * sides); a flag set and cleared shows in analysis.inefficient only between its dates and in the
 * parcel's file; values checked against the rule's meaning; refused for other roles and counties. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { Scenario } from '../../test/scenario'

let t: TestApp
const A = '410311'
const B = '410322'
let idleCode = ''
let flagCode = ''
let flagBCode = ''

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  const a = new Scenario(db, A, 'rl-a')
  const b = new Scenario(db, B, 'rl-b')
  await a.ensureCounty()
  await b.ensureCounty()
  const cl = await a.cluster({ code: 'rl-a-cl', rect: [0, 0, 5000, 5000] })
  const clB = await b.cluster({ code: 'rl-b-cl', rect: [6000, 0, 5000, 5000] })
  // Agreed start 2026-01-01, never started: idle from 366 days on (idle_days 365, 2012 art. 2).
  const idle = await a.parcel({ code: 'rl-a-idle', rect: [100, 100, 100, 100], cluster: cl })
  await a.contract({ parcel: idle, signedOn: '2025-10-01', agreedStartOn: '2026-01-01' })
  idleCode = 'rl-a-idle'
  const f = await a.parcel({ code: 'rl-a-flag', rect: [300, 100, 100, 100], cluster: cl })
  await a.contract({ parcel: f, signedOn: '2019-01-01', agreedStartOn: '2019-03-01' })
  await a.event({ parcel: f, kind: 'start', on: '2019-02-01' })
  flagCode = 'rl-a-flag'
  await b.parcel({ code: 'rl-b-flag', rect: [6100, 100, 100, 100], cluster: clB })
  flagBCode = 'rl-b-flag'
})
afterAll(async () => t.close())

const codesOf = async (what: string, asOf: string) => {
  const headers = await t.loginAs('admin', null)
  const res = await t.app.inject({ url: `/api/analysis/${what}?asOf=${asOf}&county=${A}`, headers })
  expect(res.statusCode).toBe(200)
  return res.json().features.map((x: { properties: { code: string } }) => x.properties.code) as string[]
}

describe('county rules (DOMAIN.md: every threshold per county, versioned, with an effective date)', () => {
  it('lists every rule with its versions and the one in force', async () => {
    const headers = await t.loginAs('admin', null)
    const res = await t.app.inject({ url: '/api/rules', headers })
    expect(res.statusCode).toBe(200)
    const idle = res.json().rules.find((r: { key: string }) => r.key === 'idle_days')
    expect(idle.kind).toBe('days')
    expect(idle.versions).toEqual([expect.objectContaining({ county_code: null, value: 365, effective_from: '1900-01-01', in_force: true })])
  })

  it('a future-dated version changes a boundary parcel from its date and not before', async () => {
    // 2027-02-28 is 423 days after the agreed start, 2027-03-01 is 424: idle under 365 either side.
    expect(await codesOf('idle', '2027-02-28')).toContain(idleCode)
    expect(await codesOf('idle', '2027-03-01')).toContain(idleCode)
    const headers = await t.loginAs('admin', null)
    const res = await t.app.inject({
      method: 'POST', url: '/api/rules/idle_days/versions', headers,
      payload: { county: A, value: 500, effective_from: '2027-03-01', note: '洛龙区规〔2026〕1号' },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ county_code: A, key: 'idle_days', value: 500, effective_from: '2027-03-01' })
    expect(await codesOf('idle', '2027-02-28')).toContain(idleCode)
    expect(await codesOf('idle', '2027-03-01')).not.toContain(idleCode)
    // the other county keeps the city-wide rule
    const again = await t.app.inject({
      method: 'POST', url: '/api/rules/idle_days/versions', headers,
      payload: { county: A, value: 400, effective_from: '2027-03-01', note: 'again' },
    })
    expect(again.statusCode).toBe(409)
    const rows = await t.database.db.any("SELECT value FROM county_rule WHERE key = 'idle_days' AND county_code = $1", [A])
    expect(rows).toEqual([{ value: 500 }])
    // the list names who recorded the version (the event log's actor, with the display name)
    const listed = (await t.app.inject({ url: '/api/rules?key=idle_days', headers })).json().rules[0].versions
    expect(listed.find((v: { county_code: string | null }) => v.county_code === A))
      .toMatchObject({ value: 500, created_by: 'user:admin_city', created_by_name: 'admin_city', in_force: false })
  })

  it('checks each value against the rule\'s meaning and refuses the past', async () => {
    const headers = await t.loginAs('admin', null)
    const post = (key: string, value: unknown, from = '2030-01-01') => t.app.inject({
      method: 'POST', url: `/api/rules/${key}/versions`, headers, payload: { county: A, value, effective_from: from, note: 'n' },
    })
    for (const [key, value] of [['idle_invested_share', 1.5], ['idle_invested_share', -0.1], ['idle_days', 0], ['idle_days', 10.5],
      ['no_profit_years', 0], ['idle_developed_share', '3/2'], ['phased_supply_from', '2021-02-30'], ['construction_change_types', ['flood']],
      ['sliver_m2', -1], ['industrial_zone_types', []]] as const) {
      const res = await post(key, value)
      expect(res.statusCode, `${key} = ${JSON.stringify(value)}`).toBe(400)
      expect(res.json().detail, `${key}: the value is named`).toEqual({ field: 'value' })
    }
    expect((await post('enterprise_rating', 1)).json()).toMatchObject({ statusCode: 400, detail: { field: 'key' } })
    expect((await post('no_such_rule', 1)).json()).toMatchObject({ statusCode: 400, detail: { field: 'key' } })
    expect(await t.database.db.one("SELECT count(*)::int AS n FROM county_rule WHERE effective_from = '2030-01-01'")).toEqual({ n: 0 })
    expect((await post('idle_developed_share', '1/4')).statusCode).toBe(201)
    const past = await post('idle_days', 400, '2020-01-01')
    expect(past.statusCode).toBe(400)
    expect(past.body).toContain('effective_from')
  })

  it('is refused for other roles, for another county and city-wide rows for a county admin', async () => {
    for (const role of ['analyst', 'surveyor', 'inspector'] as const) {
      const headers = await t.loginAs(role, null)
      expect((await t.app.inject({ url: '/api/rules', headers })).statusCode).toBe(403)
      const res = await t.app.inject({ method: 'POST', url: '/api/rules/idle_days/versions', headers,
        payload: { county: A, value: 400, effective_from: '2031-01-01', note: 'n' } })
      expect(res.statusCode).toBe(403)
    }
    const headers = await t.loginAs('admin', [B])
    const other = await t.app.inject({ method: 'POST', url: '/api/rules/idle_days/versions', headers,
      payload: { county: A, value: 400, effective_from: '2031-01-01', note: 'n' } })
    expect(other.statusCode).toBe(403)
    const city = await t.app.inject({ method: 'POST', url: '/api/rules/idle_days/versions', headers,
      payload: { county: null, value: 400, effective_from: '2031-01-01', note: 'n' } })
    expect(city.statusCode).toBe(403)
    const own = await t.app.inject({ method: 'POST', url: '/api/rules/idle_days/versions', headers,
      payload: { county: B, value: 400, effective_from: '2031-01-01', note: 'n' } })
    expect(own.statusCode).toBe(201)
    // the county admin reads city-wide rows and its own, not county A's
    const list = (await t.app.inject({ url: '/api/rules?key=idle_days', headers })).json()
    expect(list.rules[0].versions.map((v: { county_code: string | null }) => v.county_code)).toEqual([null, B])
    expect(await t.database.db.one("SELECT count(*)::int AS n FROM county_rule WHERE key = 'idle_days' AND value = '400'")).toEqual({ n: 1 })
  })
})

describe('official flags, 低效 types 1 and 6 (annex 3 art. 2(1), 2(6))', () => {
  it('a flag set and cleared shows in analysis.inefficient only between its dates, and in the file', async () => {
    const headers = await t.loginAs('admin', null)
    const set = await t.app.inject({ method: 'POST', url: `/api/parcels/${flagCode}/flags`, headers,
      payload: { kind: 'industry_transition', doc_no: '洛政〔2025〕7号', set_on: '2025-03-01', reason: '列入退二优二名单' } })
    expect(set.statusCode).toBe(201)
    const flag = set.json().flags[0]
    expect(flag).toMatchObject({ kind: 'industry_transition', doc_no: '洛政〔2025〕7号', set_on: '2025-03-01', cleared_on: null, set_by: 'user:admin_city' })
    const early = await t.app.inject({ method: 'POST', url: `/api/parcels/${flagCode}/flags/${flag.id}/clear`, headers,
      payload: { cleared_on: '2025-02-01', doc_no: 'x', reason: 'x' } })
    expect(early.statusCode).toBe(400)
    const clear = await t.app.inject({ method: 'POST', url: `/api/parcels/${flagCode}/flags/${flag.id}/clear`, headers,
      payload: { cleared_on: '2025-09-01', doc_no: '洛政〔2025〕30号', reason: '已完成转型' } })
    expect(clear.statusCode).toBe(200)
    expect(clear.json().flags[0]).toMatchObject({ cleared_on: '2025-09-01', cleared_doc_no: '洛政〔2025〕30号', in_force: false })
    expect((await t.app.inject({ method: 'POST', url: `/api/parcels/${flagCode}/flags/${flag.id}/clear`, headers,
      payload: { cleared_on: '2025-10-01', doc_no: 'x', reason: 'x' } })).statusCode).toBe(409)
    expect(await codesOf('inefficient', '2025-02-28')).not.toContain(flagCode)
    expect(await codesOf('inefficient', '2025-03-01')).toContain(flagCode)
    expect(await codesOf('inefficient', '2025-08-31')).toContain(flagCode)
    expect(await codesOf('inefficient', '2025-09-01')).not.toContain(flagCode)
    const file = (await t.app.inject({ url: `/api/parcels/${flagCode}/history`, headers })).json()
    const text = JSON.stringify(file)
    expect(text).toContain('洛政〔2025〕7号')
    expect(text).toContain('洛政〔2025〕30号')
    const list = await t.app.inject({ url: `/api/parcels/${flagCode}/flags`, headers: await t.loginAs('surveyor', [A]) })
    expect(list.statusCode).toBe(200)
    expect(list.json().flags).toHaveLength(1)
  })

  it('is refused for other roles and other counties, and writes nothing', async () => {
    const body = { kind: 'other', doc_no: 'd', set_on: '2025-01-01', reason: 'r' }
    for (const role of ['analyst', 'surveyor', 'inspector'] as const) {
      const res = await t.app.inject({ method: 'POST', url: `/api/parcels/${flagBCode}/flags`, headers: await t.loginAs(role, null), payload: body })
      expect(res.statusCode).toBe(403)
    }
    const res = await t.app.inject({ method: 'POST', url: `/api/parcels/${flagBCode}/flags`, headers: await t.loginAs('admin', [A]), payload: body })
    expect(res.statusCode).toBe(404)
    expect((await t.app.inject({ method: 'POST', url: '/api/parcels/no-such/flags', headers: await t.loginAs('admin', null), payload: body })).statusCode).toBe(404)
    expect(await t.database.db.one("SELECT count(*)::int AS n FROM parcel_flag f JOIN parcel p ON p.id = f.parcel_id WHERE p.code = 'rl-b-flag'")).toEqual({ n: 0 })
  })
})
