/** Failed logins slow down, then lock (per account and per address), with Retry-After and a
 * message naming it; they are kept in security_event. Junk bearer tokens cost no database query. */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { hashPassword } from '../../auth'
import { pgp } from '../../db/pgp'

const LOCK_SECONDS = 3
let t: TestApp

beforeAll(async () => {
  // a lock of 3 s and a first delay of 10 ms, so that the test waits for the lock to end without sleeping long
  t = await createTestApp({
    ONEMAP_LOGIN_LOCK_SECONDS: String(LOCK_SECONDS), ONEMAP_LOGIN_DELAY_SECONDS: '0.01',
    ONEMAP_LOGIN_DELAY_AFTER: '3', ONEMAP_LOGIN_LOCK_AFTER: '10', ONEMAP_LOGIN_ADDRESS_LOCK_AFTER: '40',
  })
  for (const username of ['clerk.a', 'clerk.b', 'clerk.c']) {
    await t.database.db.users.create({ username, display_name: username, role: 'analyst', county_scope: null, password_hash: await hashPassword('right-password-1') })
  }
})
afterAll(async () => t.close())

const login = (username: string, password: string, remoteAddress = '203.0.113.7') =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress })

const events = (username: string) => t.database.db.map(
  'SELECT kind, address FROM security_event WHERE username = $1 ORDER BY id', [username], (r: { kind: string; address: string }) => `${r.kind}@${r.address}`)

describe('failed logins', () => {
  it('30 wrong passwords end in 429 and a lock; the right one is refused until the lock ends, then taken', async () => {
    const statuses: number[] = []
    let last = await login('clerk.a', 'wrong')
    statuses.push(last.statusCode)
    for (let i = 1; i < 30; i++) {
      last = await login('clerk.a', `wrong-${i}`)
      statuses.push(last.statusCode)
    }
    // three plain refusals, then delays (an attempt inside one is refused and counts), then the lock
    // at the tenth failure however the attempts fell against the delays
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401])
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true)
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10)
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true)
    expect(last.json()).toMatchObject({ statusCode: 429, code: 'login_locked', detail: { scope: 'account' } })
    expect(last.json().message).toMatch(/该账户因多次登录失败已临时锁定.*this account is locked/)
    const retryAfter = Number(last.headers['retry-after'])
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(LOCK_SECONDS)

    const lockedAt = Date.now()
    const right = await login('clerk.a', 'right-password-1')
    expect(right.statusCode).toBe(429)
    expect(right.json().code).toBe('login_locked')
    // from another address too: the account is locked, not the address
    expect((await login('clerk.a', 'right-password-1', '198.51.100.9')).statusCode).toBe(429)
    // another account from the same address is not locked
    expect((await login('clerk.b', 'right-password-1')).statusCode).toBe(200)

    // the lock runs its time (measured from the last failure, which came before lockedAt)
    await new Promise((r) => setTimeout(r, LOCK_SECONDS * 1000 - (Date.now() - lockedAt) + 50))
    const after = await login('clerk.a', 'right-password-1')
    expect(after.statusCode, after.body).toBe(200)

    const kinds = await events('clerk.a')
    const failed = kinds.filter((k) => k === 'login_failed@203.0.113.7').length
    expect(failed).toBe(statuses.filter((s) => s === 401).length)
    expect(kinds.filter((k) => k === 'login_locked_account@203.0.113.7')).toHaveLength(1)
    expect(kinds.filter((k) => k.startsWith('login_refused')).length).toBeGreaterThanOrEqual(30 - 10)
    // and the one sign-in that was let through, last
    expect(kinds.at(-1)).toBe('login@203.0.113.7')
    expect(kinds.slice(0, -1).every((k) => /^login_(failed|refused|locked_account)@(203\.0\.113\.7|198\.51\.100\.9)$/.test(k))).toBe(true)
  })

  it('locks an address that tries many names, whatever the names, and not other addresses', async () => {
    const sprayer = '192.0.2.66'
    let last = await login('nobody-0', 'x', sprayer)
    for (let i = 1; i < 60; i++) last = await login(`nobody-${i}`, 'x', sprayer)
    expect(last.statusCode).toBe(429)
    expect(last.json()).toMatchObject({ code: 'login_locked', detail: { scope: 'address' } })
    expect(last.json().message).toMatch(/此地址登录失败次数过多.*from this address/)
    // a real account, right password, from that address: refused; from another: taken
    expect((await login('clerk.c', 'right-password-1', sprayer)).statusCode).toBe(429)
    expect((await login('clerk.c', 'right-password-1', '192.0.2.67')).statusCode).toBe(200)
    const locked = await t.database.db.one(`SELECT count(*)::int AS n FROM security_event WHERE kind = 'login_locked_address' AND address = $1`, [sprayer])
    expect(locked.n).toBe(1)
  })

  it('answers an unknown name like a known one, locks included (no way to tell which names exist)', async () => {
    const shape = (body: { code: string; message: string }) => `${body.code}: ${body.message.replace(/\d+/g, 'N')}`
    const seen = { known: new Set<string>(), unknown: new Set<string>() }
    let known = ''
    let unknown = ''
    for (let i = 0; i < 12; i++) {
      known = shape((await login('clerk.b', `no-${i}`, '203.0.113.50')).json())
      unknown = shape((await login('no.such.clerk', `no-${i}`, '203.0.113.51')).json())
      seen.known.add(known)
      seen.unknown.add(unknown)
    }
    expect(unknown).toBe(known)
    expect(known).toMatch(/^login_locked: 该账户/)
    for (const s of [...seen.known, ...seen.unknown]) expect(s).toMatch(/^(bad_credentials|login_delayed|login_locked): /)
  })
})

describe('bearer tokens', () => {
  let queries = 0
  // what the process does on its own timers, not for a request: the job runner's claims
  // (server/jobs/queue.ts) and the tile cache reading the event log (server/tiles/changed-bboxes.sql)
  const background = (q: unknown) => /^\s*(WITH gone AS \(\s*)?UPDATE job\b|\bFROM event_log e\b/.test(String((q as { text?: string } | null)?.text ?? q))
  beforeAll(() => {
    const query = pgp.pg.Client.prototype.query
    vi.spyOn(pgp.pg.Client.prototype, 'query').mockImplementation(function (this: unknown, ...args: unknown[]) {
      if (!background(args[0])) queries++
      return (query as (...a: unknown[]) => unknown).apply(this, args)
    } as never)
  })
  afterEach(() => {
    queries = 0
  })
  afterAll(() => vi.restoreAllMocks())

  it('are refused without a database query when malformed, and looked up once when well formed but unknown', async () => {
    const send = (authorization: string, url = '/api/auth/me') => t.app.inject({ url, headers: { authorization } })
    // the spy sees the queries of this process
    queries = 0
    await t.database.db.one('SELECT 1')
    expect(queries).toBe(1)

    queries = 0
    for (const junk of ['Bearer x', 'Bearer ' + 'a'.repeat(500), 'Bearer not a token', 'Bearer ' + 'é'.repeat(43), 'Bearer ' + 'A'.repeat(42) + '=']) {
      const res = await send(junk)
      expect(res.statusCode, junk).toBe(401)
      // "Bearer not a token" is no bearer token at all
      expect(['bad_token', 'unauthenticated'], junk).toContain(res.json().code)
    }
    // a public route with junk: answered, as without a token
    expect((await send('Bearer junk', '/api/health')).statusCode).toBe(200)
    expect(queries).toBe(0)

    const unknown = 'Bearer ' + 'Q'.repeat(43)
    expect((await send(unknown)).statusCode).toBe(401)
    expect(queries).toBe(1)
    for (let i = 0; i < 20; i++) expect((await send(unknown)).statusCode).toBe(401)
    expect(queries).toBe(1)

    // a real token still works (its own look-up, then the session cache)
    queries = 0
    const real = await t.loginAs('surveyor', null)
    const loginQueries = queries
    expect((await t.app.inject({ url: '/api/auth/me', headers: real })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/api/auth/me', headers: real })).statusCode).toBe(200)
    expect(queries - loginQueries).toBe(1)
  })
})
