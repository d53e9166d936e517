/** Personal access tokens: made once and shown once (only the SHA-256 is stored), used as Bearer
 * or as the HTTP Basic password with the owner's name, read-only ones refused on writes, revoked by
 * the owner or an admin (at once, despite the cache), expired and deactivated ones refused, never in
 * a URL nor in the request log, and made or revoked only after a password sign-in. */
import crypto from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { buildApp } from '../../app'
import { loadConfig } from '../../config'
import { MAX_LIVE_TOKENS } from '.'
import { signsInWithSecondFactor } from '../../personal-tokens'

let t: TestApp
let analyst: { authorization: string }
let surveyor: { authorization: string }
let admin: { authorization: string }

beforeAll(async () => {
  t = await createTestApp()
  analyst = await t.loginAs('analyst', ['410311'], 'ana.tokens')
  surveyor = await t.loginAs('surveyor', ['410311'], 'sur.tokens')
  admin = await t.loginAs('admin', null, 'adm.tokens')
})
afterAll(async () => t?.close())

async function make(headers: Record<string, string>, body: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/api/tokens', headers, payload: body })
}
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const me = (headers: Record<string, string>) => t.app.inject({ url: '/api/auth/me', headers })

describe('making and using a token', () => {
  it('is shown once, stored as its SHA-256 only, and signs in as Bearer and as the Basic password', async () => {
    const res = await make(analyst, { name: '办公室 QGIS', scope: 'read', expires_in_days: 30 })
    expect(res.statusCode).toBe(201)
    expect(res.headers['cache-control']).toBe('no-store')
    const made = res.json()
    expect(made.token).toMatch(/^omp_[A-Za-z0-9_-]{43}$/)
    expect(made).toMatchObject({ name: '办公室 QGIS', scope: 'read', state: 'active', prefix: made.token.slice(0, 8), last_used_at: null })
    const days = (Date.parse(made.expires_at) - Date.parse(made.created_at)) / 86_400_000
    expect(days).toBeCloseTo(30, 5)
    // only the hash: no column of the row holds the token
    const row = await t.database.db.one('SELECT to_jsonb(pt) AS r FROM personal_token pt WHERE id = $1', [made.id])
    expect(row.r.token_hash).toBe(crypto.createHash('sha256').update(made.token).digest('hex'))
    expect(JSON.stringify(row.r)).not.toContain(made.token.slice(4))
    // the list never shows the token
    const list = await t.app.inject({ url: '/api/tokens', headers: analyst })
    expect(list.statusCode).toBe(200)
    expect(list.body).not.toContain(made.token.slice(4))
    expect(list.json().map((x: { id: number }) => x.id)).toContain(made.id)

    for (const headers of [bearer(made.token), basic('ana.tokens', made.token), basic('ANA.Tokens', made.token)]) {
      const who = await me(headers)
      expect(who.statusCode).toBe(200)
      expect(who.json()).toMatchObject({ username: 'ana.tokens', role: 'analyst', county_scope: ['410311'] })
    }
    const used = await t.database.db.one('SELECT last_used_at FROM personal_token WHERE id = $1', [made.id])
    expect(used.last_used_at).not.toBeNull()
  })

  it('refuses Basic with another user\'s name, with the account password, or with junk, naming why', async () => {
    const made = (await make(analyst, { name: 'gdal' })).json()
    const other = await me(basic('sur.tokens', made.token))
    expect(other.statusCode).toBe(401)
    expect(other.json().code).toBe('bad_token')
    const password = await me(basic('ana.tokens', 'test-password-1'))
    expect(password.statusCode).toBe(401)
    expect(password.json().message).toMatch(/不接受账户密码.*never the account password/)
    expect((await me(bearer('omp_' + 'x'.repeat(43)))).statusCode).toBe(401)
    expect((await me({ authorization: 'Basic !!!' })).statusCode).toBe(401)
  })

  it('read-only: GET yes, any write no; read-write: writes as the role may', async () => {
    const read = (await make(analyst, { name: 'read only', scope: 'read' })).json()
    const write = (await make(analyst, { name: 'read write', scope: 'read_write' })).json()
    expect((await t.app.inject({ url: '/api/parcels', headers: bearer(read.token) })).statusCode).toBe(200)
    const refused = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(read.token) })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().code).toBe('token_read_only')
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(write.token) })).statusCode).toBe(204)
    // never more than the role: a surveyor's read-write token cannot run an admin's recompute
    const sur = (await make(surveyor, { name: 'field', scope: 'read_write' })).json()
    expect((await t.app.inject({ method: 'POST', url: '/api/analysis/refresh', headers: bearer(sur.token), payload: {} })).statusCode).toBe(403)
  })

  it('makes and revokes tokens only after a password sign-in, not with a token', async () => {
    const made = (await make(analyst, { name: 'no minting', scope: 'read_write' })).json()
    const minted = await make(bearer(made.token), { name: 'minted' })
    expect(minted.statusCode).toBe(403)
    expect(minted.json().code).toBe('token_needs_session')
    const revoke = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${made.id}`, headers: bearer(made.token) })
    expect(revoke.statusCode).toBe(403)
    expect((await me(bearer(made.token))).statusCode).toBe(200)
  })
})

describe('revocation and expiry', () => {
  it('the owner revokes: refused at once, though the token was just used (cached)', async () => {
    const made = (await make(analyst, { name: 'to revoke' })).json()
    expect((await me(bearer(made.token))).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${made.id}`, headers: analyst })).statusCode).toBe(204)
    expect((await me(bearer(made.token))).statusCode).toBe(401)
    const listed = (await t.app.inject({ url: '/api/tokens', headers: analyst })).json().find((x: { id: number }) => x.id === made.id)
    expect(listed.state).toBe('revoked')
    // a second revoke finds nothing live
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${made.id}`, headers: analyst })).statusCode).toBe(404)
  })

  it('another user cannot revoke it; an admin lists and revokes anyone\'s', async () => {
    const made = (await make(surveyor, { name: 'surveyor laptop' })).json()
    expect((await me(bearer(made.token))).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${made.id}`, headers: analyst })).statusCode).toBe(404)
    expect((await t.app.inject({ url: '/api/tokens/all', headers: analyst })).statusCode).toBe(403)
    const all = await t.app.inject({ url: '/api/tokens/all', headers: admin })
    expect(all.statusCode).toBe(200)
    expect(all.json().find((x: { id: number }) => x.id === made.id)).toMatchObject({ username: 'sur.tokens', state: 'active' })
    expect(all.body).not.toContain(made.token.slice(4))
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${made.id}`, headers: admin })).statusCode).toBe(204)
    expect((await me(bearer(made.token))).statusCode).toBe(401)
    const row = await t.database.db.one('SELECT u.username FROM personal_token pt JOIN app_user u ON u.id = pt.revoked_by WHERE pt.id = $1', [made.id])
    expect(row.username).toBe('adm.tokens')
  })

  it('an expired token and the token of a deactivated account are refused', async () => {
    const expired = (await make(analyst, { name: 'old' })).json()
    await t.database.db.none(`UPDATE personal_token SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id])
    expect((await me(bearer(expired.token))).statusCode).toBe(401)
    await t.database.db.users.create({ username: 'leaver', display_name: 'leaver', role: 'surveyor', county_scope: null, password_hash: 'x' })
    const leaver = await t.database.db.one(`SELECT id FROM app_user WHERE username = 'leaver'`)
    const token = 'omp_' + crypto.randomBytes(32).toString('base64url')
    await t.database.db.none(`INSERT INTO personal_token (user_id, name, token_hash, display_prefix, scope, expires_at)
      VALUES ($1, 'x', $2, $3, 'read', now() + interval '1 day')`, [leaver.id, crypto.createHash('sha256').update(token).digest('hex'), token.slice(0, 8)])
    await t.database.db.none('UPDATE app_user SET active = false WHERE id = $1', [leaver.id])
    expect((await me(bearer(token))).statusCode).toBe(401)
  })
})

describe('with user administration (separated duties) and the audit trail', () => {
  const patch = (username: string, payload: object) =>
    t.app.inject({ method: 'PATCH', url: `/api/users/${username}`, headers: security, payload })
  let security: { authorization: string }
  beforeAll(async () => { security = await t.loginAs('security', null, 'sec.tokens') })

  it('deactivated by the security officer, the token stops at once though just used (cached); a new role or scope applies at once', async () => {
    const owner = await t.loginAs('analyst', ['410311'], 'ana.leaving')
    const made = (await make(owner, { name: 'desktop', scope: 'read' })).json()
    const who = await me(basic('ana.leaving', made.token))
    expect(who.json()).toMatchObject({ role: 'analyst', county_scope: ['410311'] })
    // another role and scope: the very next request sees them
    const changed = await patch('ana.leaving', { role: 'surveyor', county_scope: null })
    expect(changed.statusCode, changed.body).toBe(200)
    expect((await me(bearer(made.token))).json()).toMatchObject({ role: 'surveyor', county_scope: null })
    expect((await patch('ana.leaving', { active: false })).statusCode).toBe(200)
    for (const headers of [bearer(made.token), basic('ana.leaving', made.token)]) {
      const refused = await me(headers)
      expect(refused.statusCode).toBe(401)
      expect(refused.json().code).toBe('bad_token')
      expect((await t.app.inject({ url: '/api/parcels', headers })).statusCode).toBe(401)
    }
  })

  it('the duty roles make no tokens, and a token of an account turned into one is refused at once', async () => {
    const auditor = await t.loginAs('audit', null, 'aud.tokens')
    for (const headers of [security, auditor]) {
      const res = await make(headers, { name: 'no' })
      expect(res.statusCode).toBe(403)
      expect(res.json().code).toBe('forbidden')
    }
    const owner = await t.loginAs('inspector', null, 'ins.promoted')
    const made = (await make(owner, { name: 'phone', scope: 'read' })).json()
    expect((await me(bearer(made.token))).statusCode).toBe(200)
    expect((await patch('ins.promoted', { role: 'security' })).statusCode).toBe(200)
    for (const url of ['/api/auth/me', '/api/users', '/api/parcels', '/ogc/collections']) {
      const refused = await t.app.inject({ url, headers: bearer(made.token) })
      expect(refused.statusCode, url).toBe(403)
      expect(refused.json().code).toBe('token_not_for_role')
    }
  })

  it('a token never stands in for a second factor: such an owner makes read tokens only, and a read-write one only reads', async () => {
    const owner = await t.loginAs('admin', null, 'adm.totp')
    // the session was signed in before the second factor was set up (its stage is done)
    await t.database.db.none(`UPDATE app_user SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE username = 'adm.totp'`)
    const refused = await make(owner, { name: 'rw', scope: 'read_write' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json()).toMatchObject({ code: 'invalid_request', detail: { field: 'scope' } })
    expect((await make(owner, { name: 'ro', scope: 'read' })).statusCode).toBe(201)
    // a read-write token made before the second factor: it reads, and writes nothing
    const token = 'omp_' + crypto.randomBytes(32).toString('base64url')
    await t.database.db.none(`INSERT INTO personal_token (user_id, name, token_hash, display_prefix, scope, expires_at)
      SELECT id, 'older', $1, $2, 'read_write', now() + interval '1 day' FROM app_user WHERE username = 'adm.totp'`,
    [crypto.createHash('sha256').update(token).digest('hex'), token.slice(0, 8)])
    expect((await t.app.inject({ url: '/api/tokens/all', headers: bearer(token) })).statusCode).toBe(200)
    const write = await t.app.inject({ method: 'POST', url: '/api/analysis/refresh', headers: bearer(token), payload: {} })
    expect(write.statusCode).toBe(403)
    expect(write.json().code).toBe('token_read_only')
    expect(write.json().message).toMatch(/动态口令.*second factor/)
    // the rule: set up by the account, or required of admin, security and audit (ONEMAP_TOTP_REQUIRED)
    expect(signsInWithSecondFactor('surveyor', true, false)).toBe(true)
    expect(signsInWithSecondFactor('admin', false, true)).toBe(true)
    expect(signsInWithSecondFactor('admin', false, false)).toBe(false)
    expect(signsInWithSecondFactor('analyst', false, true)).toBe(false)
  })

  it('making and revoking are in the audit trail, with the name and scope, never the token', async () => {
    const { last } = await t.database.db.one('SELECT coalesce(max(seq), 0)::int AS last FROM security_event')
    const made = (await make(analyst, { name: 'audited', scope: 'read', expires_in_days: 7 })).json()
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${made.id}`, headers: admin })).statusCode).toBe(204)
    const refused = await make(bearer((await make(analyst, { name: 'audited 2', scope: 'read_write' })).json().token), { name: 'minted' })
    expect(refused.statusCode).toBe(403)
    const rows = await t.database.db.any(`SELECT kind, username, actor_role, result, detail FROM security_event
      WHERE kind IN ('token_created', 'token_revoked') AND seq > $1 ORDER BY seq`, [last])
    expect(rows.find((r) => r.kind === 'token_created' && r.detail.id === made.id)).toMatchObject({
      username: 'ana.tokens', actor_role: 'analyst', result: 'ok', detail: { name: 'audited', scope: 'read', days: 7, prefix: made.prefix },
    })
    expect(rows.find((r) => r.kind === 'token_revoked' && r.detail.id === made.id)).toMatchObject({
      username: 'adm.tokens', actor_role: 'admin', result: 'ok', detail: { owner_id: expect.any(Number) },
    })
    // made with a token: refused before the route, and recorded so
    expect(rows.filter((r) => r.kind === 'token_created' && r.result === 'refused')).toEqual([
      expect.objectContaining({ username: 'ana.tokens', detail: expect.objectContaining({ status: 403 }) }),
    ])
    const all = JSON.stringify(await t.database.db.any('SELECT * FROM security_event'))
    expect(all).not.toContain(made.token.slice(4))
  })
})

describe('limits', () => {
  it('one live token per name, at most MAX_LIVE_TOKENS live, at most a year, a name required', async () => {
    await t.database.db.users.create({ username: 'many.tokens', display_name: 'many', role: 'inspector', county_scope: null, password_hash: 'x' })
    const headers = await t.loginAs('inspector', null, 'many.tokens2')
    expect((await make(headers, { name: 'dup' })).statusCode).toBe(201)
    const dup = await make(headers, { name: 'dup' })
    expect(dup.statusCode).toBe(409)
    expect(dup.json().code).toBe('token_name_taken')
    for (let i = 1; i < MAX_LIVE_TOKENS; i++) expect((await make(headers, { name: `t${i}` })).statusCode).toBe(201)
    const over = await make(headers, { name: 'one more' })
    expect(over.statusCode).toBe(409)
    expect(over.json().code).toBe('too_many_tokens')
    expect((await make(analyst, { name: 'long', expires_in_days: 367 })).statusCode).toBe(400)
    expect((await make(analyst, { name: '   ' })).statusCode).toBe(400)
    expect((await make(analyst, { name: 'x', scope: 'admin' })).statusCode).toBe(400)
  })
})

describe('never in a URL, never in the log', () => {
  it('a token in a query is refused, and the request log masks it', async () => {
    const lines: string[] = []
    const stream = new Writable({ write(chunk, _e, done) { lines.push(String(chunk)); done() } })
    const app = await buildApp({
      config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off' }),
      database: t.database, logger: { level: 'info', stream },
    })
    try {
      const made = (await make(analyst, { name: 'in url' })).json()
      for (const url of [`/api/parcels?access_token=${made.token}`, `/ogc/collections?token=${made.token}`, `/tiles/parcels.json?authkey=${made.token}`]) {
        const res = await app.inject({ url })
        expect(res.statusCode).toBe(400)
        expect(res.json().code).toBe('token_in_url')
      }
      // and used properly, the header is not logged either
      expect((await app.inject({ url: '/api/auth/me', headers: basic('ana.tokens', made.token) })).statusCode).toBe(200)
      const log = lines.join('')
      expect(log).toContain('omp_***')
      expect(log).not.toContain(made.token.slice(4))
    } finally {
      await app.close()
    }
  })
})
