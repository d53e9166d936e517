/** User administration by the security role, and the separated duties of admin, security and
 * audit (GB/T 22239-2019 8.1.4.2): a county analyst made by the security officer signs in and sees
 * only their county; deactivated, their token stops at once (the process's session cache too);
 * every write is in the audit trail; each duty role is refused the others' routes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { ALL_ROLES, DUTY_ROLES, ROLES, type Role } from '../../config'
import { generateDemo } from '../../../scripts/demo/generate'
import { loadDemo } from '../../../scripts/demo/load'

let t: TestApp
let security: { authorization: string }
let auditor: { authorization: string }
let admin: { authorization: string }
/** a county with parcels, and another one */
let county: string
let other: string

beforeAll(async () => {
  t = await createTestApp()
  await loadDemo(t.database.db, generateDemo({ parcels: 80, batches: 30, changes: 40 }))
  security = await t.loginAs('security', null, 'security.zhao')
  auditor = await t.loginAs('audit', null, 'audit.qian')
  admin = await t.loginAs('admin', null, 'admin.sun')
  const counts = await t.database.db.any(`SELECT county_code AS c, count(*)::int AS n FROM parcel WHERE retired_at IS NULL GROUP BY 1 ORDER BY 2 DESC`)
  county = counts[0].c
  other = counts[1].c
})
afterAll(async () => t?.close())

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: object) =>
  t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })
const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })

describe('user administration by the security role', () => {
  it('creates a county analyst who signs in and sees only that county; deactivated, the token stops at once', async () => {
    const made = await call('POST', '/api/users', security, { username: 'analyst.new', display_name: '新分析员', role: 'analyst', county_scope: [county] })
    expect(made.statusCode, made.body).toBe(201)
    const { user, password } = made.json()
    expect(user).toMatchObject({ username: 'analyst.new', role: 'analyst', county_scope: [county], active: true, password_must_change: true, last_login_at: null })
    expect(password).toMatch(/^\S{18,}$/)

    const signedIn = await login('analyst.new', password)
    expect(signedIn.statusCode, signedIn.body).toBe(200)
    const token = { authorization: `Bearer ${signedIn.json().token}` }
    // a password set by someone else is changed first (身份鉴别)
    expect(signedIn.json().password_change_required).toBe(true)
    expect((await call('GET', '/api/parcels', token)).statusCode).toBe(403)
    expect((await call('POST', '/api/auth/password', token, { current: password, password: 'My-own-choice-9' })).statusCode).toBe(204)
    const page = await call('GET', '/api/parcels?limit=1000', token)
    expect(page.statusCode).toBe(200)
    const counties = new Set((page.json().features as { properties: { county_code: string } }[]).map((f) => f.properties.county_code))
    expect([...counties]).toEqual([county])
    const inCounty = (await t.database.db.one(`SELECT count(*)::int AS n FROM parcel WHERE county_code = $1 AND retired_at IS NULL`, [county])).n
    expect(page.json().features).toHaveLength(inCounty)
    const elsewhere = await t.database.db.one(`SELECT code FROM parcel WHERE county_code = $1 LIMIT 1`, [other])
    expect((await call('GET', `/api/parcels/${elsewhere.code}`, token)).statusCode).toBe(404)

    const listed = (await call('GET', '/api/users', security)).json().users as { username: string; last_login_at: string | null }[]
    expect(listed.find((u) => u.username === 'analyst.new')!.last_login_at).toMatch(/^\d{4}-\d\d-\d\dT/)

    // the token is in the process's session cache now; deactivating ends it at the next request
    expect((await call('GET', '/api/auth/me', token)).statusCode).toBe(200)
    const off = await call('PATCH', '/api/users/analyst.new', security, { active: false })
    expect(off.statusCode, off.body).toBe(200)
    expect(off.json().user.active).toBe(false)
    expect((await call('GET', '/api/auth/me', token)).statusCode).toBe(401)
    expect((await call('GET', '/api/parcels', token)).statusCode).toBe(401)
    expect((await login('analyst.new', 'My-own-choice-9')).statusCode).toBe(401)
    expect((await t.database.db.one(`SELECT count(*)::int AS n FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE u.username = 'analyst.new'`)).n).toBe(0)
  })

  it('changes role and scope (sessions end), resets a password (the old one stops), and records every write', async () => {
    await call('POST', '/api/users', security, { username: 'surveyor.moved', display_name: '测绘员', role: 'surveyor', county_scope: [county] })
    const reset = await call('POST', '/api/users/surveyor.moved/password-reset', security)
    expect(reset.statusCode, reset.body).toBe(200)
    const first = reset.json().password as string
    const token = { authorization: `Bearer ${(await login('surveyor.moved', first)).json().token}` }
    expect((await call('GET', '/api/auth/me', token)).json().county_scope).toEqual([county])
    const moved = await call('PATCH', '/api/users/surveyor.moved', security, { county_scope: [other], display_name: '调动的测绘员' })
    expect(moved.json().user).toMatchObject({ county_scope: [other], display_name: '调动的测绘员', role: 'surveyor' })
    expect((await call('GET', '/api/auth/me', token)).statusCode).toBe(401)
    const second = (await call('POST', '/api/users/surveyor.moved/password-reset', security)).json().password as string
    expect((await login('surveyor.moved', first)).statusCode).toBe(401)
    expect((await login('surveyor.moved', second)).statusCode).toBe(200)
    // a duty role holds no county scope
    const duty = await call('PATCH', '/api/users/surveyor.moved', security, { role: 'audit', county_scope: [county] })
    expect(duty.statusCode).toBe(400)
    expect(duty.json().message).toContain('county_scope')
    const toAudit = await call('PATCH', '/api/users/surveyor.moved', security, { role: 'audit' })
    expect(toAudit.json().user).toMatchObject({ role: 'audit', county_scope: null })
    // bad input writes nothing
    expect((await call('POST', '/api/users', security, { username: 'x.y', display_name: 'x', role: 'analyst', county_scope: ['410399'] })).statusCode).toBe(400)
    expect((await call('POST', '/api/users', security, { username: 'surveyor.moved', display_name: 'x', role: 'analyst', county_scope: null })).statusCode).toBe(409)
    expect((await call('PATCH', '/api/users/no.such', security, { active: false })).statusCode).toBe(404)
    expect((await call('PATCH', '/api/users/security.zhao', security, { active: false })).statusCode).toBe(403)
    expect((await t.database.db.one(`SELECT count(*)::int AS n FROM app_user WHERE username = 'x.y'`)).n).toBe(0)

    const trail = (await call('GET', '/api/audit?actor=security.zhao&limit=100', auditor)).json().events as { kind: string; result: string; object: string; detail: Record<string, unknown> }[]
    const writes = trail.filter((e) => ['user_created', 'user_changed', 'password_reset'].includes(e.kind)).reverse()
    expect(writes.map((e) => `${e.kind}:${e.result}:${e.detail.username}`)).toEqual([
      'user_created:ok:analyst.new', 'user_changed:ok:analyst.new',
      'user_created:ok:surveyor.moved', 'password_reset:ok:surveyor.moved', 'user_changed:ok:surveyor.moved', 'password_reset:ok:surveyor.moved',
      'user_changed:failed:surveyor.moved', 'user_changed:ok:surveyor.moved',
      'user_created:failed:x.y', 'user_created:failed:surveyor.moved', 'user_changed:failed:no.such', 'user_changed:refused:security.zhao',
    ])
    expect(writes[1]!.detail).toMatchObject({ before: { active: true }, change: { active: false } })
  })
})

describe('separated duties: admin, security and audit', () => {
  it('no route other than one\'s own account is open to two of the three', () => {
    const shared: string[] = []
    for (const [route, access] of t.app.routeAccess) {
      if (access === 'public') continue
      // one's own account (/api/auth: me, logout, password, second factor) is every role's, and only that
      if (route.includes(' /api/auth/')) {
        expect([...access].sort(), route).toEqual([...ALL_ROLES].sort())
        continue
      }
      if (DUTY_ROLES.filter((r) => access.includes(r)).length > 1) shared.push(route)
      // the duty roles see no land data: a land route is for land roles only
      if (!route.includes('/api/users') && !route.includes('/api/audit')) expect(access.filter((r) => !ROLES.includes(r)), route).toEqual([])
    }
    expect(shared).toEqual([])
  })

  it('each is refused the others\' routes', async () => {
    const refused = async (h: Record<string, string>, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
      const res = await call(method, url, h, payload)
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(403)
    }
    const landRoutes: ['GET' | 'POST', string][] = [['GET', '/api/parcels'], ['GET', '/api/enterprises'], ['GET', '/api/permu/parcels'], ['POST', '/api/analysis/refresh'], ['GET', '/api/reports']]
    for (const h of [security, auditor]) for (const [m, u] of landRoutes) await refused(h, m, u, m === 'POST' ? {} : undefined)
    for (const h of [admin, auditor]) {
      await refused(h, 'GET', '/api/users')
      await refused(h, 'POST', '/api/users', { username: 'sneaky', display_name: 'x', role: 'admin', county_scope: null })
      await refused(h, 'PATCH', '/api/users/security.zhao', { active: false })
      await refused(h, 'POST', '/api/users/security.zhao/password-reset')
    }
    for (const h of [admin, security]) for (const u of ['/api/audit', '/api/audit/check', '/api/audit/export.csv']) await refused(h, 'GET', u)
    // on a public route a duty role is shown what anyone is: a layer for signed-in users stays closed
    for (const h of [security, auditor]) expect((await call('GET', '/tiles/parcels/14/13407/6553.mvt', h)).statusCode).toBe(401)
    expect((await call('GET', '/tiles/parcels/14/13407/6553.mvt', admin)).statusCode).not.toBe(401)
    // every role may end its own session and say who it is
    for (const [h, role] of [[security, 'security'], [auditor, 'audit']] as [Record<string, string>, Role][]) {
      expect((await call('GET', '/api/auth/me', h)).json().role).toBe(role)
    }
  })
})
