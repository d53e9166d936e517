/** The service as a newcomer starts it: server/main.ts under tsx in a child process. Covers the
 * embedded database (smoke: migrations, demo load, health, clusters, restart reusing the data)
 * and the one-line start-up failures. */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, inject } from 'vitest'
import { LOCK_FILE, processStartTicks } from './db/data-lock'
import { pgp } from './db/pgp'
import { freePort } from './test/pg-cluster'
import { budget } from './test/budget'

const ROOT = path.resolve(__dirname, '..')
/** `node --import tsx`, not the tsx command: the command relays a SIGTERM to the server only if the
 * server's process answers within 30 ms, and else kills it (exit 143), which a loaded machine
 * misses now and then; the server (its shutdown handler) is the same either way. By path (tsx's
 * "import" entry): one test starts it in another working directory. */
const TSX_IMPORT = ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href]
const children: ChildProcess[] = []
const tmp: string[] = []

afterAll(() => {
  for (const c of children) c.kill('SIGKILL')
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true })
})

interface Run { child: ChildProcess; out: () => string; exited: Promise<number | null> }

function start(env: Record<string, string>, cwd = ROOT): Run {
  let out = ''
  const child = spawn(process.execPath, [...TSX_IMPORT, path.join(ROOT, 'server/main.ts')], {
    cwd,
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_BACKUP_AT: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, out: () => out, exited }
}

async function waitForHealth(port: number, run: Run, timeoutMs: number): Promise<number> {
  const t0 = Date.now()
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`server exited ${run.child.exitCode}: ${run.out()}`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`)
      if (res.ok) return Date.now() - t0
    } catch { /* not listening yet */ }
    if (Date.now() - t0 > timeoutMs) throw new Error(`no health answer in ${timeoutMs} ms: ${run.out()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe('embedded database (smoke)', () => {
  it('starts with PGlite + PostGIS, loads the demo, serves health and 18 clusters, and a restart reuses the data', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-embedded-'))
    tmp.push(dataDir)
    const port = await freePort()
    const env = { PORT: String(port), ONEMAP_DATA_DIR: dataDir, ONEMAP_ADMIN_PASSWORD: 'embedded-admin' }

    const first = start(env)
    const firstMs = await waitForHealth(port, first, 170_000)
    const health = await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()
    expect(health).toMatchObject({ status: 'ok', database: { mode: 'embedded' } })
    expect(health.database.postgis).toMatch(/^3\.\d+/)
    const clusters = await (await fetch(`http://127.0.0.1:${port}/api/clusters`)).json()
    expect(clusters.features).toHaveLength(18)
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'surveyor.luolong', password: 'onemap-demo' }),
    })
    expect(login.status).toBe(200)
    expect(first.out()).toContain('surveyor.luolong')
    // separated duties in the demo: the security and audit officers, and the second factor said to be off
    expect(first.out()).toContain('security.officer')
    expect(first.out()).toContain('audit.officer')
    expect(first.out()).toContain('second factor (TOTP): off')
    // the audit trail in embedded mode: the migrations applied at this start, and a whole chain
    const auditor = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'audit.officer', password: 'onemap-demo' }),
    })
    const headers = { authorization: `Bearer ${(await auditor.json()).token}` }
    const migrations = await (await fetch(`http://127.0.0.1:${port}/api/audit?kind=migration&limit=1000`, { headers })).json()
    expect(migrations.events.map((e: { object: string }) => e.object)).toContain('migration:940_audit_trail.sql')
    const check = await (await fetch(`http://127.0.0.1:${port}/api/audit/check`, { headers })).json()
    expect(check).toMatchObject({ whole: true, problems: [] })
    first.child.kill('SIGTERM')
    expect(await first.exited, first.out()).toBe(0)

    const second = start(env)
    const secondMs = await waitForHealth(port, second, 170_000)
    const again = await (await fetch(`http://127.0.0.1:${port}/api/clusters`)).json()
    expect(again.features).toHaveLength(18)
    // the demo users were made once: a second start prints no new ones
    expect(second.out()).not.toContain('演示用户')
    second.child.kill('SIGTERM')
    expect(await second.exited, second.out()).toBe(0)
    console.log(`embedded start: first ${firstMs} ms (with demo load), second ${secondMs} ms`)
  }, budget(80_000)) // two starts of the embedded database, the first loading the demo: ~80 s on an idle machine
})

describe('start-up failures are one line naming the fix', () => {
  it('a DATABASE_URL nobody answers', async () => {
    const port = await freePort()
    const run = start({ DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/nothing` })
    expect(await run.exited).toBe(1)
    const lines = run.out().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^OneMap cannot start: cannot connect to 127\.0\.0\.1:\d+\/nothing: .* check DATABASE_URL/)
  })

  it('a server database without PostGIS enabled, for a user who cannot enable it', async () => {
    const adminUrl = inject('pgAdminUrl')
    const admin = pgp(adminUrl)
    await admin.none('DROP DATABASE IF EXISTS onemap_nopostgis')
    await admin.none("DO $$ BEGIN CREATE ROLE plain_user LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    await admin.none('CREATE DATABASE onemap_nopostgis OWNER plain_user')
    const u = new URL(adminUrl)
    u.username = 'plain_user'
    u.pathname = '/onemap_nopostgis'
    try {
      const run = start({ DATABASE_URL: u.toString() })
      expect(await run.exited).toBe(1)
      const lines = run.out().trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^OneMap cannot start: PostGIS is installed on .* but not enabled .* run CREATE EXTENSION postgis as a superuser$/)
    } finally {
      await admin.none('DROP DATABASE IF EXISTS onemap_nopostgis WITH (FORCE)')
      await admin.$pool.end()
    }
  })

  it('a bad setting', async () => {
    const run = start({ PORT: 'eighty' })
    expect(await run.exited).toBe(1)
    expect(run.out().trim()).toBe('OneMap cannot start: PORT=eighty is not a whole number between 0 and 65535')
  })

  it('an embedded data folder another live process holds (server/db/data-lock.ts)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-locked-'))
    tmp.push(dataDir)
    fs.writeFileSync(path.join(dataDir, LOCK_FILE), JSON.stringify({
      pid: process.pid, startTicks: processStartTicks(process.pid), host: os.hostname(), purpose: 'import', since: '2024-05-20T08:00:00Z',
    }))
    const run = start({ ONEMAP_DATA_DIR: dataDir, PORT: String(await freePort()) })
    expect(await run.exited).toBe(1)
    const lines = run.out().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^OneMap cannot start: 数据目录 .* is in use by another OneMap process \\(import, pid ${process.pid}, since 2024-05-20T08:00:00Z\\)`))
    // nothing was opened: PGlite wrote no files beside the lock
    expect(fs.readdirSync(dataDir)).toEqual([LOCK_FILE])
  })

  it('a bad setting in the .env of the working directory (as .env.example says), named with the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-dotenv-'))
    tmp.push(dir)
    fs.writeFileSync(path.join(dir, '.env'), '# copied from .env.example\nHOST=127.0.0.1\nONEMAP_SESSION_HOURS=forever\n')
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'ONEMAP_SESSION_HOURS')) as Record<string, string>
    const run = start(env, dir)
    expect(await run.exited).toBe(1)
    expect(run.out().trim()).toBe(
      `OneMap cannot start: ONEMAP_SESSION_HOURS=forever is not a whole number between 1 and 720 (set in ${path.join(dir, '.env')})`)
  })
})
