/** The audit trail (安全审计): events of sign-in with actor, address, object and result; readable by
 * the audit role only; append-only (triggers, and privileges for an application role that is not
 * the owner); a hash chain whose check names a row edited and a row deleted behind the
 * application's back; rows older than the retention moved whole to the archive, never dropped. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { pgp } from '../../db/pgp'
import { openDatabase } from '../../db/connect'
import { budget } from '../../test/budget'
import { parseCsv } from '../../governance/csv'
import { generateDemo } from '../../../scripts/demo/generate'
import { loadDemo } from '../../../scripts/demo/load'

let t: TestApp
let auditor: { authorization: string }

beforeAll(async () => {
  t = await createTestApp()
  auditor = await t.loginAs('audit', null, 'auditor.wang')
})
afterAll(async () => t?.close())

const get = (url: string, headers: Record<string, string> = auditor) => t.app.inject({ method: 'GET', url, headers })
const check = async () => (await get('/api/audit/check')).json() as { whole: boolean; problems: { seq: number; problem: string; detail: string }[] }

describe('the audit trail', () => {
  it('records sign-ins, failures and sign-outs with actor, role, address, object and result', async () => {
    await t.loginAs('analyst', ['410311'], 'analyst.trail')
    await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'analyst.trail', password: 'wrong-one' }, remoteAddress: '198.51.100.9' })
    const signedIn = await t.loginAs('analyst', ['410311'], 'analyst.trail')
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: signedIn })).statusCode).toBe(204)
    const res = await get('/api/audit?actor=analyst.trail&limit=10')
    expect(res.statusCode).toBe(200)
    const events = res.json().events as { kind: string; actor_role: string | null; address: string; object: string; result: string; detail: { reason?: string } }[]
    expect(events.map((e) => e.kind)).toEqual(['logout', 'login', 'login_failed', 'login'])
    expect(events[0]).toMatchObject({ actor_role: 'analyst', object: 'user:analyst.trail', result: 'ok' })
    expect(events[2]).toMatchObject({ actor_role: null, address: '198.51.100.9', result: 'failed', detail: { reason: 'wrong_password' } })
    // each migration applied at start is in the trail
    const migrations = (await get('/api/audit?kind=migration&limit=1000')).json().events as { object: string }[]
    expect(migrations.map((e) => e.object)).toContain('migration:940_audit_trail.sql')
    expect(migrations.map((e) => e.object)).toContain('migration:001_land_model.sql')
  })

  it('is read by the audit role only, and reading it is recorded', async () => {
    for (const [role, scope] of [['admin', null], ['security', null], ['analyst', ['410311']], ['inspector', ['410311']]] as const) {
      const h = await t.loginAs(role, scope as string[] | null)
      for (const url of ['/api/audit', '/api/audit/export.csv', '/api/audit/check']) expect((await get(url, h)).statusCode, `${role} ${url}`).toBe(403)
    }
    expect((await get('/api/audit', {})).statusCode).toBe(401)
    const reads = (await get('/api/audit?kind=audit_read&kind=audit_check&actor=security_city')).json().events as { result: string; kind: string }[]
    expect(reads.length).toBeGreaterThanOrEqual(2)
    expect(reads.every((e) => e.result === 'refused')).toBe(true)
  })

  it('exports the filtered events as CSV', async () => {
    const res = await get('/api/audit/export.csv?kind=login_failed')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/csv/)
    const rows = parseCsv(res.body)
    expect(rows[0]![2]).toBe('事件 kind')
    const body = rows.slice(1)
    const failed = await t.database.db.one(`SELECT count(*)::int AS n FROM security_event WHERE kind = 'login_failed'`)
    expect(body.length).toBe(failed.n)
    expect(body.every((r) => r[2] === 'login_failed')).toBe(true)
  })

  it('cannot be updated, deleted or truncated through the application\'s connection', async () => {
    const db = t.database.db
    await expect(db.none(`UPDATE security_event SET detail = '{"x":1}' WHERE seq = 1`)).rejects.toThrow(/append-only \(UPDATE refused\)/)
    await expect(db.none(`DELETE FROM security_event WHERE seq = 1`)).rejects.toThrow(/append-only \(DELETE refused\)/)
    await expect(db.none(`TRUNCATE security_event`)).rejects.toThrow(/append-only \(TRUNCATE refused\)/)
    // the seq and hashes an inserter sends are the trigger's to set
    await db.none(`INSERT INTO security_event (kind, username, seq, hash, prev_hash) VALUES ('forged', 'x', 1, 'f', 'f')`)
    const last = await db.one(`SELECT seq, hash FROM security_event ORDER BY seq DESC LIMIT 1`)
    expect(last.seq).toBeGreaterThan(1)
    expect(last.hash).toMatch(/^[0-9a-f]{64}$/)
    expect((await check()).whole).toBe(true)
  })

  it('an application role that is not the owner has no UPDATE, DELETE nor TRUNCATE on the trail (server mode)', async () => {
    const role = 'onemap_app_' + crypto.randomBytes(4).toString('hex')
    const password = crypto.randomBytes(12).toString('hex')
    const db = t.database.db
    await db.none(`CREATE ROLE $1:name LOGIN PASSWORD $2`, [role, password])
    const url = new URL(t.database.url)
    url.username = role
    url.password = password
    const app = pgp(url.toString())
    try {
      await db.one('SELECT grant_app_role($1)', [role])
      // it writes and reads the trail, and land data
      await app.none(`INSERT INTO security_event (kind, username) VALUES ('by_app_role', $1)`, [role])
      expect((await app.one(`SELECT count(*)::int AS n FROM security_event WHERE kind = 'by_app_role'`)).n).toBe(1)
      await app.one(`SELECT count(*) FROM parcel`)
      for (const sql of [`UPDATE security_event SET detail = '{}' WHERE kind = 'by_app_role'`, `DELETE FROM security_event WHERE kind = 'by_app_role'`,
        'TRUNCATE security_event', `DELETE FROM security_event_archive`, `DELETE FROM schema_migration`]) {
        await expect(app.none(sql), sql).rejects.toThrow(/permission denied/)
      }
    } finally {
      await app.$pool.end()
      await db.none('DROP OWNED BY $1:name', [role])
      await db.none('DROP ROLE $1:name', [role])
    }
  })

  it('the chain check names a row edited and a row deleted directly in the database', async () => {
    const db = t.database.db
    expect((await check()).whole).toBe(true)
    const [edited, deleted] = await db.map(`SELECT seq FROM security_event WHERE kind = 'login' ORDER BY seq LIMIT 2`, [], (r: { seq: number }) => r.seq)
    // what a database superuser could do behind the application's back: triggers off for the session
    await db.tx(async (tx) => {
      await tx.none(`SET LOCAL session_replication_role = replica`)
      await tx.none(`UPDATE security_event SET address = '10.0.0.1' WHERE seq = $1`, [edited])
      await tx.none(`DELETE FROM security_event WHERE seq = $1`, [deleted])
    })
    const { whole, problems } = await check()
    expect(whole).toBe(false)
    expect(problems.map((p) => [p.seq, p.problem])).toEqual([[edited, 'edited'], [deleted! + 1, 'missing']])
    expect(problems[1]!.detail).toContain(`rows ${deleted} to ${deleted} are missing`)
    // put back as it was, so that the trail is whole for the next test
    await db.tx(async (tx) => {
      await tx.none(`SET LOCAL session_replication_role = replica`)
      await tx.none(`DELETE FROM security_event`)
      await tx.none(`INSERT INTO security_event OVERRIDING SYSTEM VALUE SELECT * FROM security_event_archive`)
    })
  })
})

describe('retention', () => {
  it('moves rows older than 180 days whole to the archive, keeps younger ones, and the chain stays whole', async () => {
    const db = t.database.db
    // a fresh trail of 6 events, the first 4 dated 200 days back and chained again (the trigger dates every row now)
    await db.tx(async (tx) => {
      await tx.none(`SET LOCAL session_replication_role = replica`)
      await tx.none(`DELETE FROM security_event`)
    })
    for (let i = 0; i < 6; i++) await t.app.audit({ kind: 'retention_test', username: 'clock', object: `n:${i}` })
    await db.tx(async (tx) => {
      await tx.none(`SET LOCAL session_replication_role = replica`)
      await tx.none(`UPDATE security_event SET at = at - interval '200 days' WHERE seq <= 4`)
      await tx.none(`DO $$ DECLARE r record; prev text := audit_genesis(); BEGIN
        FOR r IN SELECT * FROM security_event ORDER BY seq LOOP
          UPDATE security_event SET prev_hash = prev, hash = audit_row_hash(prev, r.seq, r.at, r.kind, r.username, r.user_id, r.actor_role,
            r.address, r.object, r.result, r.request_id, r.detail) WHERE id = r.id RETURNING hash INTO prev;
        END LOOP; END $$`)
    })
    expect((await check()).whole).toBe(true)
    // a shorter keep than 180 days is raised to 180
    expect(await db.audit.archive(10)).toBe(4)
    expect(await db.audit.archive(180)).toBe(0)
    expect((await db.one(`SELECT count(*)::int AS n FROM security_event WHERE kind = 'retention_test'`)).n).toBe(2)
    expect((await db.one('SELECT count(*)::int AS n FROM security_event_archive')).n).toBe(4)
    const { whole, problems } = await check()
    expect(problems).toEqual([])
    expect(whole).toBe(true)
    const live = (await get('/api/audit?kind=retention_test')).json().events as { object: string }[]
    expect(live.map((e) => e.object)).toEqual(['n:5', 'n:4'])
    const all = (await get('/api/audit?kind=retention_test&archived=true')).json().events as { object: string; archived: boolean }[]
    expect(all.map((e) => [e.object, e.archived])).toEqual([['n:5', false], ['n:4', false], ['n:3', true], ['n:2', true], ['n:1', true], ['n:0', true]])
    // the archive is append-only too, and takes only copies of the trail's rows
    await expect(db.none('DELETE FROM security_event_archive')).rejects.toThrow(/append-only/)
    await expect(db.none(`INSERT INTO security_event_archive (id, seq, kind, prev_hash, hash) VALUES (999999, 999999, 'forged', 'x', 'y')`)).rejects.toThrow(/only copies/)
  })
})

describe('what the land routes record', () => {
  it('exports (what, rows, sensitive fields), a setting changed, a publishing, reads of enterprise figures', async () => {
    const db = t.database.db
    await loadDemo(db, generateDemo({ parcels: 80, batches: 30, changes: 40 }))
    const analyst = await t.loginAs('analyst', ['410311'], 'analyst.exports')
    const surveyor = await t.loginAs('surveyor', ['410311'], 'surveyor.exports')
    const admin = await t.loginAs('admin', null, 'admin.settings')
    const inScope = (await db.one(`SELECT count(*)::int AS n FROM parcel WHERE county_code = '410311' AND retired_at IS NULL`)).n
    expect(inScope).toBeGreaterThan(0)
    for (const h of [analyst, surveyor]) expect((await get('/api/parcels/export.xlsx?limit=1000', h)).statusCode).toBe(200)
    const exports = (await get('/api/audit?kind=export')).json().events as { actor: string; object: string; detail: { rows: number; sensitive_fields: string[] } }[]
    expect(exports.map((e) => [e.actor, e.detail.rows, e.detail.sensitive_fields])).toEqual([
      // ONEMAP_SENSITIVE_ROLES is admin,analyst by default: the surveyor's file has no tax, output nor price
      ['surveyor.exports', Math.min(inScope, 1000), []],
      ['analyst.exports', Math.min(inScope, 1000), ['price_wan', 'tax_paid_wan', 'output_wan']],
    ])
    expect(exports[0]!.object).toBe('GET /api/parcels/export.xlsx?limit=1000')

    const put = await t.app.inject({ method: 'PUT', url: '/api/disclosure/settings', headers: admin, payload: { county: '410311', class: 'idle', publish: false, from: '2024-01-01' } })
    expect(put.statusCode, put.body).toBe(200)
    const refused = await t.app.inject({ method: 'PUT', url: '/api/disclosure/settings', headers: analyst, payload: { county: '410311', class: 'idle', publish: true, from: '2024-01-01' } })
    expect(refused.statusCode).toBe(403)
    const settings = (await get('/api/audit?kind=setting_changed')).json().events as { actor: string; result: string; detail: Record<string, unknown> }[]
    expect(settings.map((e) => [e.actor, e.result])).toEqual([['analyst.exports', 'refused'], ['admin.settings', 'ok']])
    expect(settings[1]!.detail).toMatchObject({ setting: 'disclosure_publish', county: '410311', class: 'idle', publish: false, from: '2024-01-01' })

    expect((await t.app.inject({ method: 'POST', url: '/api/disclosure/publish', headers: admin, payload: {} })).statusCode).toBe(201)
    expect((await get('/api/audit?kind=published')).json().events).toHaveLength(1)

    const credit = (await get('/api/enterprises?limit=1', analyst)).json().items[0].credit_code as string
    expect((await get(`/api/enterprises/${credit}`, analyst)).statusCode).toBe(200)
    expect((await get(`/api/enterprises/${credit}`, surveyor)).statusCode).toBe(200)
    await get('/api/permu/parcels', analyst)
    const reads = (await get('/api/audit?kind=figures_read')).json().events as { actor: string; object: string }[]
    expect(reads.map((e) => [e.actor, e.object.replace(/\?.*/, '')])).toEqual([['analyst.exports', 'GET /api/permu/parcels'], ['analyst.exports', `enterprise:${credit}`]])
    expect((await check()).whole).toBe(true)
  })
})

describe('embedded mode (PGlite)', () => {
  it('the triggers refuse UPDATE, DELETE and TRUNCATE there too, and the chain check finds an edit made with them off', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-audit-embedded-'))
    const embedded = await openDatabase({ databaseUrl: null, dataDir: dir })
    try {
      const db = embedded.db
      await db.audit.append({ kind: 'embedded_test', username: 'pglite' })
      await expect(db.none(`UPDATE security_event SET username = 'x'`)).rejects.toThrow(/append-only \(UPDATE refused\)/)
      await expect(db.none(`DELETE FROM security_event`)).rejects.toThrow(/append-only \(DELETE refused\)/)
      await expect(db.none(`TRUNCATE security_event`)).rejects.toThrow(/append-only \(TRUNCATE refused\)/)
      expect(await db.audit.check()).toEqual([])
      // its one user is a superuser, who can switch the triggers off: the chain is what shows it
      const seq = (await db.one(`SELECT max(seq) AS s FROM security_event`)).s
      await db.tx(async (tx) => {
        await tx.none(`SET LOCAL session_replication_role = replica`)
        await tx.none(`UPDATE security_event SET username = 'someone else' WHERE seq = $1`, [seq])
      })
      expect((await db.audit.check()).map((p) => [p.seq, p.problem])).toEqual([[seq, 'edited']])
    } finally {
      await embedded.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, budget(20_000)) // an embedded start with every migration: ~15 s on an idle machine
})
