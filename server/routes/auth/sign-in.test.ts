/** Sign-in (身份鉴别, GB/T 22239-2019 8.1.4.1): the password policy (length, classes, not the user
 * name, not one of the last N), a forced change (a password set by someone else, the bootstrap's
 * random one, an expired one) before anything else, the idle timeout beside the absolute one, and
 * the TOTP second factor (enrol, sign in, wrong and replayed codes, recovery codes). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { hashPassword, hashToken } from '../../auth'
import { bootstrap } from '../../bootstrap'
import { loadConfig } from '../../config'
import { generate } from 'otplib'

let t: TestApp

beforeAll(async () => {
  // the level-3 defaults, with a history of 3 to keep the test short
  t = await createTestApp({ ONEMAP_PASSWORD_HISTORY: '3' })
})
afterAll(async () => t?.close())

const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
const change = (h: Record<string, string>, current: string, password: string) =>
  t.app.inject({ method: 'POST', url: '/api/auth/password', headers: h, payload: { current, password } })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

async function account(username: string, password: string, mustChange = false) {
  await t.database.db.users.create({ username, display_name: username, role: 'analyst', county_scope: null, password_hash: await hashPassword(password), password_must_change: mustChange })
}

describe('the password policy', () => {
  it('refuses a short one, too few classes, the user name, the current one and the last N; takes a good one', async () => {
    await account('policy.li', 'First-pass-1')
    const h = bearer((await login('policy.li', 'First-pass-1')).json().token)
    const cases: [string, string, RegExp][] = [
      ['First-pass-1', 'Aa1-short', /at least 10 characters/],
      ['First-pass-1', 'alllowercaseletters', /at least 3 of the classes/],
      ['First-pass-1', 'lowerand12345678', /at least 3 of the classes/],
      ['First-pass-1', 'My-Policy.LI-99', /may not contain the user name/],
      ['First-pass-1', 'First-pass-1', /must differ/],
      ['wrong-current-1', 'Good-Pass-2024', /current password is wrong/],
    ]
    for (const [current, next, message] of cases) {
      const res = await change(h, current, next)
      expect(res.statusCode, next).toBe(400)
      expect(res.json().message, next).toMatch(message)
    }
    // nothing changed: the first password still signs in
    expect((await login('policy.li', 'First-pass-1')).statusCode).toBe(200)
    // three changes in a row; each of the last 3 is refused, the 4th back is taken again
    let current = 'First-pass-1'
    for (const next of ['Second-pass-2', 'Third-pass-3', 'Fourth-pass-4']) {
      expect((await change(h, current, next)).statusCode).toBe(204)
      current = next
    }
    for (const old of ['Third-pass-3', 'Second-pass-2']) {
      const res = await change(h, current, old)
      expect(res.statusCode).toBe(400)
      expect(res.json().message).toMatch(/one of your last 3/)
    }
    expect((await change(h, current, 'First-pass-1')).statusCode).toBe(204)
    const trail = await t.database.db.map(`SELECT result FROM security_event WHERE kind = 'password_changed' AND username = 'policy.li' ORDER BY seq`, [], (r: { result: string }) => r.result)
    expect(trail.filter((r) => r === 'ok')).toHaveLength(4)
    expect(trail.filter((r) => r === 'failed')).toHaveLength(8)
  })
})

describe('a forced password change', () => {
  it('a password set by someone else: the token may only change it, then does everything; other sessions end', async () => {
    await account('forced.wu', 'Set-By-Admin-1', true)
    const other = await login('forced.wu', 'Set-By-Admin-1')
    const res = await login('forced.wu', 'Set-By-Admin-1')
    expect(res.json().password_change_required).toBe(true)
    const h = bearer(res.json().token)
    const refused = await t.app.inject({ url: '/api/parcels', headers: h })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().code).toBe('password_change_required')
    expect((await t.app.inject({ url: '/api/auth/me', headers: h })).json().sign_in_step).toBe('password')
    // on a public route such a token is no one's: the login (sent with it by a client) still works
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: h, payload: { username: 'forced.wu', password: 'Set-By-Admin-1' } })).statusCode).toBe(200)
    expect((await change(h, 'Set-By-Admin-1', 'Chosen-By-Me-7')).statusCode).toBe(204)
    expect((await t.app.inject({ url: '/api/auth/me', headers: h })).json().sign_in_step).toBe('ok')
    expect((await t.app.inject({ url: '/api/parcels', headers: h })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/api/auth/me', headers: bearer(other.json().token) })).statusCode).toBe(401)
    expect((await login('forced.wu', 'Chosen-By-Me-7')).json().password_change_required).toBe(false)
  })

  it('a password older than ONEMAP_PASSWORD_MAX_DAYS (90) must be changed', async () => {
    await account('old.zheng', 'Old-password-1')
    await t.database.db.none(`UPDATE app_user SET password_changed_at = now() - interval '89 days' WHERE username = 'old.zheng'`)
    expect((await login('old.zheng', 'Old-password-1')).json().password_change_required).toBe(false)
    await t.database.db.none(`UPDATE app_user SET password_changed_at = now() - interval '91 days' WHERE username = 'old.zheng'`)
    expect((await login('old.zheng', 'Old-password-1')).json().password_change_required).toBe(true)
  })

  it('the bootstrap\'s random admin, security and audit passwords must be changed; one given in ONEMAP_ADMIN_PASSWORD counts as chosen', async () => {
    const report = await bootstrap(t.database.db, loadConfig({ ONEMAP_DEMO: 'false' }))
    expect(report.adminPassword).toMatch(/^\S{18,}$/)
    expect((await login('admin', report.adminPassword!)).json().password_change_required).toBe(true)
    // the first security and audit officers likewise (the admin may not make accounts)
    expect(Object.keys(report.dutyPasswords).sort()).toEqual(['audit', 'security'])
    for (const [username, password] of Object.entries(report.dutyPasswords)) {
      const res = await login(username, password)
      expect(res.json()).toMatchObject({ user: { role: username, county_scope: null }, password_change_required: true })
    }
    expect((await bootstrap(t.database.db, loadConfig({ ONEMAP_DEMO: 'false' }))).dutyPasswords).toEqual({})
    const other = await createTestApp()
    try {
      await bootstrap(other.database.db, loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_ADMIN_PASSWORD: 'Chosen-admin-1' }))
      const res = await other.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'Chosen-admin-1' } })
      expect(res.json().password_change_required).toBe(false)
    } finally {
      await other.close()
    }
  })
})

describe('the idle timeout (ONEMAP_IDLE_MINUTES, 30 by default)', () => {
  it('ends a session unused for 30 minutes, keeps one used 29 minutes ago and restarts its clock', async () => {
    await account('idle.feng', 'Idle-password-1')
    const token = (await login('idle.feng', 'Idle-password-1')).json().token as string
    const tokenHash = hashToken(token)
    const setIdle = async (minutes: number) => {
      await t.database.db.none(`UPDATE user_session SET last_seen_at = now() - make_interval(mins => $2) WHERE token_hash = $1`, [tokenHash, minutes])
      t.app.sessions.drop(tokenHash) // the process's 5 s cache: the next request looks the session up
    }
    await setIdle(29)
    expect((await t.app.inject({ url: '/api/auth/me', headers: bearer(token) })).statusCode).toBe(200)
    const seen = await t.database.db.one(`SELECT extract(epoch FROM now() - last_seen_at) AS s FROM user_session WHERE token_hash = $1`, [tokenHash])
    expect(seen.s).toBeLessThan(60)
    await setIdle(31)
    const res = await t.app.inject({ url: '/api/auth/me', headers: bearer(token) })
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('bad_token')
  })

  it('takes a fraction of a minute (the session lookup is a prepared statement: its idle parameter is not an integer)', async () => {
    await account('idle.qian', 'Idle-password-2')
    const token = (await login('idle.qian', 'Idle-password-2')).json().token as string
    const tokenHash = hashToken(token)
    // twice: the named statement is parsed by the first call and only executed by the second
    for (let i = 0; i < 2; i++) expect(await t.database.db.users.findBySession(tokenHash, 0.5)).toMatchObject({ username: 'idle.qian', stage: 'ok' })
    await t.database.db.none(`UPDATE user_session SET last_seen_at = now() - interval '40 seconds' WHERE token_hash = $1`, [tokenHash])
    expect(await t.database.db.users.findBySession(tokenHash, 0.5)).toBeNull()
    expect(await t.database.db.users.findBySession(tokenHash, 1)).toMatchObject({ username: 'idle.qian' })
  })
})

describe('the second factor (TOTP, RFC 6238) with recovery codes', () => {
  let s: TestApp
  beforeAll(async () => {
    // required for the admin, security and audit roles, as outside the demo
    s = await createTestApp({ ONEMAP_TOTP_REQUIRED: 'true' })
  })
  afterAll(async () => s?.close())
  const signIn = (username: string, password: string) => s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
  const post = (url: string, h: Record<string, string>, payload?: object) => s.app.inject({ method: 'POST', url, headers: h, ...(payload ? { payload } : {}) })
  const now = () => Math.floor(Date.now() / 1000)

  it('a security officer enrols (QR code, recovery codes once), then signs in with a code, refuses a wrong or replayed one, takes a recovery code once', async () => {
    await s.database.db.users.create({ username: 'sec.totp', display_name: '安全员', role: 'security', county_scope: null, password_hash: await hashPassword('Sec-password-1') })
    const first = await signIn('sec.totp', 'Sec-password-1')
    expect(first.json().next).toBe('enrol')
    const h = bearer(first.json().token)
    const blocked = await s.app.inject({ url: '/api/users', headers: h })
    expect(blocked.statusCode).toBe(403)
    expect(blocked.json().code).toBe('totp_enrolment_required')
    const enrol = (await post('/api/auth/totp/enrol', h)).json() as { secret: string; uri: string; qr_svg: string }
    expect(enrol.uri).toMatch(/^otpauth:\/\/totp\/OneMap:sec\.totp\?/)
    expect(enrol.uri).toContain(`secret=${enrol.secret}`)
    expect(enrol.qr_svg).toMatch(/^<svg[^>]*>/)
    const right = new Set(await Promise.all([-30, 0, 30].map((d) => generate({ secret: enrol.secret, epoch: now() + d }))))
    const wrong = ['000000', '111111', '222222'].find((c) => !right.has(c))!
    expect((await post('/api/auth/totp/confirm', h, { code: wrong })).statusCode).toBe(400)
    const confirmed = await post('/api/auth/totp/confirm', h, { code: await generate({ secret: enrol.secret }) })
    expect(confirmed.statusCode, confirmed.body).toBe(200)
    const { recovery_codes, next } = confirmed.json() as { recovery_codes: string[]; next: string }
    expect(next).toBe('ok')
    expect(recovery_codes).toHaveLength(10)
    expect(new Set(recovery_codes).size).toBe(10)
    for (const c of recovery_codes) expect(c).toMatch(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/)
    expect((await s.app.inject({ url: '/api/users', headers: h })).statusCode).toBe(200)
    // stored as hashes only
    const stored = await s.database.db.map(`SELECT code_hash FROM totp_recovery_code r JOIN app_user u ON u.id = r.user_id WHERE u.username = 'sec.totp'`, [], (r: { code_hash: string }) => r.code_hash)
    expect(stored).toHaveLength(10)
    expect(stored.some((x) => recovery_codes.some((c) => x.includes(c.replaceAll('-', ''))))).toBe(false)

    // the next sign-in waits for a code: the one of the next time step (the enrolment's step is used)
    const second = await signIn('sec.totp', 'Sec-password-1')
    expect(second.json().next).toBe('totp')
    const h2 = bearer(second.json().token)
    const waiting = await s.app.inject({ url: '/api/users', headers: h2 })
    expect(waiting.json().code).toBe('totp_required')
    expect((await post('/api/auth/totp', h2, { code: wrong })).statusCode).toBe(400)
    const code = await generate({ secret: enrol.secret, epoch: now() + 30 })
    const passed = await post('/api/auth/totp', h2, { code })
    expect(passed.statusCode, passed.body).toBe(200)
    expect(passed.json()).toEqual({ next: 'ok', recovery_codes_left: 10 })
    expect((await s.app.inject({ url: '/api/users', headers: h2 })).statusCode).toBe(200)
    // the same code again, on another sign-in: refused (each code once)
    const third = bearer((await signIn('sec.totp', 'Sec-password-1')).json().token)
    expect((await post('/api/auth/totp', third, { code })).statusCode).toBe(400)
    // a recovery code, once
    const recovered = await post('/api/auth/totp', third, { code: recovery_codes[3]!.toLowerCase() })
    expect(recovered.json()).toEqual({ next: 'ok', recovery_codes_left: 9 })
    const fourth = bearer((await signIn('sec.totp', 'Sec-password-1')).json().token)
    expect((await post('/api/auth/totp', fourth, { code: recovery_codes[3]! })).statusCode).toBe(400)
    // a step already done is not done again
    expect((await post('/api/auth/totp', h2, { code: recovery_codes[4]! })).statusCode).toBe(409)

    const trail = await s.database.db.map(`SELECT kind || ':' || result AS k FROM security_event WHERE username = 'sec.totp' AND kind LIKE 'totp%' ORDER BY seq`, [], (r: { k: string }) => r.k)
    expect(trail).toEqual(['totp_enrol_started:ok', 'totp_enrolled:failed', 'totp_enrolled:ok', 'totp_verified:failed', 'totp_verified:ok',
      'totp_verified:failed', 'totp_verified:ok', 'totp_verified:failed', 'totp_verified:failed'])
  })

  it('is optional for the land roles: an analyst signs in without one, may set one up, and is then asked for it', async () => {
    await s.database.db.users.create({ username: 'an.totp', display_name: '分析员', role: 'analyst', county_scope: null, password_hash: await hashPassword('Ana-password-1') })
    const first = await signIn('an.totp', 'Ana-password-1')
    expect(first.json().next).toBe('ok')
    const h = bearer(first.json().token)
    const enrol = (await post('/api/auth/totp/enrol', h)).json() as { secret: string }
    const confirmed = await post('/api/auth/totp/confirm', h, { code: await generate({ secret: enrol.secret }) })
    expect(confirmed.json().next).toBe('ok')
    expect((await signIn('an.totp', 'Ana-password-1')).json().next).toBe('totp')
    // a lost phone: the security officer removes the second factor; the next sign-in needs none
    await s.database.db.users.create({ username: 'sec.two', display_name: '安全员', role: 'security', county_scope: null, password_hash: await hashPassword('Sec-password-2') })
    const officer = bearer((await signIn('sec.two', 'Sec-password-2')).json().token)
    const secret = (await post('/api/auth/totp/enrol', officer)).json().secret as string
    expect((await post('/api/auth/totp/confirm', officer, { code: await generate({ secret }) })).json().next).toBe('ok')
    const reset = await s.app.inject({ method: 'PATCH', url: '/api/users/an.totp', headers: officer, payload: { totp_reset: true } })
    expect(reset.statusCode, reset.body).toBe(200)
    expect(reset.json().user.totp).toBe(false)
    expect((await signIn('an.totp', 'Ana-password-1')).json().next).toBe('ok')
  })
})
