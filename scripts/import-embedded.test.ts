/** The import CLI beside a running server on the embedded database (PGlite): both as a user runs
 * them, in child processes on one data folder. PGlite keeps the cluster in its process, so a CLI
 * writing there while the server runs wrote where the server never looked, and lost it at the next
 * start. Now the server holds the folder's lock: the CLI is refused in one line naming it, the
 * server's data stay as they were, and once the server is stopped the CLI imports and the next
 * start sees it. A lock left by a process that died does not block; one held by a live process does. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { LOCK_FILE, processStartTicks } from '../server/db/data-lock'
import { PARCEL_ROWS, makeTempDir, parcelCollection, removeTempDirs, writeJson } from '../server/test/ingest-helpers'
import { freePort } from '../server/test/pg-cluster'
import { budget } from '../server/test/budget'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The server runs as `node --import tsx`, not under the tsx command: the command relays a SIGTERM
 * only if the server's process answers within 30 ms, and else kills it (exit 143), which a loaded
 * machine misses now and then; the server and its shutdown are the same either way. */
const TSX_IMPORT = ['--import', 'tsx']
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  removeTempDirs()
})

const PASSWORD = 'embedded-cli-admin'
const baseEnv = (dataDir: string, port: number) => ({
  ...process.env, DATABASE_URL: '', ONEMAP_DATA_DIR: dataDir, PORT: String(port), ONEMAP_DEMO: 'false',
  ONEMAP_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn', ONEMAP_WEB_DIST: '/nonexistent',
  // the admin's second factor, required outside the demo, is the sign-in tests' (sign-in.test.ts)
  ONEMAP_TOTP_REQUIRED: 'false',
})

function startServer(dataDir: string, port: number) {
  let out = ''
  const child = spawn(process.execPath, [...TSX_IMPORT, 'server/main.ts'], { cwd: ROOT, env: baseEnv(dataDir, port), stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, out: () => out, exited }
}

async function waitForHealth(port: number, run: ReturnType<typeof startServer>): Promise<void> {
  const t0 = Date.now()
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`server exited ${run.child.exitCode}: ${run.out()}`)
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return
    } catch { /* not listening yet */ }
    if (Date.now() - t0 > 170_000) throw new Error(`no health answer: ${run.out()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** The CLI in a child process, awaited without blocking this one (a PGlite start takes a while). */
function importCli(dataDir: string, port: number, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
    cwd: ROOT, env: baseEnv(dataDir, port), stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

/** npm run backup / restore (--json) in a child process: the exit code, what it printed, its result. */
function backupCli(script: 'backup' | 'restore', env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string; result: { folder: string; uploads?: number } | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args, '--json'], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: '', ONEMAP_DEMO: 'false', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  return new Promise((resolve) => child.on('close', (code) => {
    const last = out.trim().split('\n').filter((l) => l.startsWith('{"result"')).pop()
    resolve({ code, out, result: last ? JSON.parse(last).result : null })
  }))
}

/** The three survey parcels under codes of their own, in 洛龙区. */
function survey(dir: string, prefix: string): string {
  const rows = PARCEL_ROWS.map((r) => ({ ...r, 宗地编号: `${prefix}-${r.宗地编号}`, 行政区代码: '410311' }))
  return writeJson(path.join(dir, `${prefix}.geojson`), parcelCollection(rows, (i) => [112.42 + i * 0.002 + (prefix === 'CLI' ? 0.01 : 0), 34.63]))
}

async function api(port: number) {
  const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  })
  expect(login.status).toBe(200)
  const auth = { authorization: `Bearer ${(await login.json()).token}` }
  return {
    codes: async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/parcels?q=${encodeURIComponent(q)}`, { headers: auth })
      return (await res.json()).features.map((f: { id: string }) => f.id).sort() as string[]
    },
    upload: async (file: string) => {
      const form = new FormData()
      form.append('layer', 'parcels')
      form.append('file', new Blob([fs.readFileSync(file)]), path.basename(file))
      const res = await fetch(`http://127.0.0.1:${port}/api/uploads`, { method: 'POST', headers: auth, body: form })
      expect(res.status, await res.clone().text()).toBe(201)
      const { id } = await res.json()
      const commit = await fetch(`http://127.0.0.1:${port}/api/uploads/${id}/commit`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ acceptWarnings: true }),
      })
      return commit.json()
    },
  }
}

describe('the import CLI and the server on one embedded data folder', () => {
  it('is refused while the server holds the folder, the server\'s data intact; imports once the server stopped, and the server then sees it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-embedded-cli-'))
    const dir = makeTempDir('onemap-embedded-cli-files-')
    const port = await freePort()
    try {
      const server = startServer(dataDir, port)
      await waitForHealth(port, server)
      const lock = JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8'))
      expect(lock).toMatchObject({ purpose: 'server', url: `http://127.0.0.1:${port}` })
      const first = await api(port)
      expect(await first.upload(survey(dir, 'SRV'))).toEqual({ inserted: 3, updated: 0, unchanged: 0 })

      const refused = await importCli(dataDir, port, survey(dir, 'CLI'), '--layer', 'parcels', '--commit', '--accept-warnings')
      expect(refused.code).toBe(1)
      const lines = refused.stderr.trim().split('\n')
      expect(lines, refused.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`^import: 数据目录 .* the data folder ${dataDir} is in use by another OneMap process \\(server, pid ${lock.pid}, since .*\\): ` +
        `stop it first, or upload through http://127\\.0\\.0\\.1:${port}/api/uploads$`))
      expect(refused.stdout).toBe('')
      // the server goes on with its data as they were
      expect(await first.codes('SRV-')).toEqual(PARCEL_ROWS.map((r) => `SRV-${r.宗地编号}`).sort())
      expect(await first.codes('CLI-')).toEqual([])
      expect(await first.upload(survey(dir, 'SRV'))).toEqual({ inserted: 0, updated: 0, unchanged: 3 })

      server.child.kill('SIGTERM')
      expect(await server.exited, server.out()).toBe(0)
      expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false)

      const imported = await importCli(dataDir, port, survey(dir, 'CLI'), '--layer', 'parcels', '--commit', '--accept-warnings')
      expect(imported.code, imported.stderr).toBe(0)
      expect(imported.stdout).toContain('已提交 committed: 新增 inserted 3')
      expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false)

      const again = startServer(dataDir, port)
      await waitForHealth(port, again)
      const second = await api(port)
      expect(await second.codes('CLI-')).toEqual(PARCEL_ROWS.map((r) => `CLI-${r.宗地编号}`).sort())
      expect(await second.codes('SRV-')).toEqual(PARCEL_ROWS.map((r) => `SRV-${r.宗地编号}`).sort())
      again.child.kill('SIGTERM')
      expect(await again.exited, again.out()).toBe(0)
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }, budget(30_000)) // two embedded server starts and two CLI runs: ~27 s on an idle machine

  it('a lock left by a process that died does not block; one held by a live process does', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-embedded-stale-'))
    const dir = makeTempDir('onemap-embedded-stale-files-')
    const port = await freePort()
    const lockFile = path.join(dataDir, LOCK_FILE)
    try {
      // a process that has exited: its PID is free (as after a crash of the server)
      const dead = spawnSync(process.execPath, ['-e', '']).pid!
      fs.writeFileSync(lockFile, JSON.stringify({ pid: dead, startTicks: null, host: os.hostname(), purpose: 'server', since: '2024-01-01T00:00:00Z' }))
      const ok = await importCli(dataDir, port, survey(dir, 'STALE'), '--layer', 'parcels')
      expect(ok.code, ok.stderr).toBe(0)
      expect(ok.stdout).toContain('要素 features: 3')
      expect(fs.existsSync(lockFile)).toBe(false)

      // this test's own process, alive, as the holder
      fs.writeFileSync(lockFile, JSON.stringify({
        pid: process.pid, startTicks: processStartTicks(process.pid), host: os.hostname(), purpose: 'server', since: '2024-01-01T00:00:00Z',
      }))
      const held = await importCli(dataDir, port, survey(dir, 'HELD'), '--layer', 'parcels')
      expect(held.code).toBe(1)
      expect(held.stderr).toContain(`is in use by another OneMap process (server, pid ${process.pid}`)
      // a PID now used by a process started after the lock was written is not the holder
      fs.writeFileSync(lockFile, JSON.stringify({
        pid: process.pid, startTicks: (processStartTicks(process.pid) ?? 0) - 1, host: os.hostname(), purpose: 'server', since: '2024-01-01T00:00:00Z',
      }))
      const reused = await importCli(dataDir, port, survey(dir, 'REUSED'), '--layer', 'parcels')
      expect(reused.code, reused.stderr).toBe(0)
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }, budget(20_000)) // an embedded server start and CLI runs against the lock: ~18 s

  it('backup and restore read the same lock: with no one in the folder backup takes it and neither the copy nor the restored folder carries it; while the import CLI holds it both are refused naming it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-embedded-bk-'))
    const dir = makeTempDir('onemap-embedded-bk-files-')
    const port = await freePort()
    const lockFile = path.join(dataDir, LOCK_FILE)
    const env = { ONEMAP_DATA_DIR: dataDir, ONEMAP_PHOTO_DIR: path.join(dir, 'photos'), ONEMAP_BACKUP_DIR: path.join(dir, 'backups') }
    try {
      // the CLI makes the database and stages one upload (no counties without a server's start: not committed)
      const made = await importCli(dataDir, port, survey(dir, 'BK'), '--layer', 'parcels')
      expect(made.code, made.stderr).toBe(0)
      expect(fs.existsSync(lockFile)).toBe(false)

      // no one uses the folder: the command takes its lock, copies it, and lets it go
      const b = await backupCli('backup', env)
      expect(b.code, b.out).toBe(0)
      expect(b.out).toContain('no OneMap server is running on')
      expect(fs.existsSync(lockFile)).toBe(false)
      const members = spawnSync('tar', ['-tzf', path.join(b.result!.folder, 'database.tar.gz')], { encoding: 'utf8' }).stdout.split('\n')
      expect(members).toContain('PG_VERSION')
      expect(members.filter((m) => m.includes(LOCK_FILE))).toEqual([])

      // the import CLI (here: this test's live process, as the lock names it) holds the folder
      fs.writeFileSync(lockFile, JSON.stringify({
        pid: process.pid, startTicks: processStartTicks(process.pid), host: os.hostname(), purpose: 'import', since: '2024-01-01T00:00:00Z',
      }))
      const refused = await backupCli('backup', env)
      expect(refused.code).toBe(1)
      expect(refused.out).toMatch(new RegExp(`the data folder ${dataDir} is in use by OneMap import \\(pid ${process.pid}, since 2024-01-01T00:00:00Z\\), which copies no backup`))
      const onUsed = await backupCli('restore', env, b.result!.folder, '--force')
      expect(onUsed.code).toBe(1)
      expect(onUsed.out).toMatch(new RegExp(`a OneMap import process \\(pid ${process.pid}, .*\\) is using ${dataDir}: let it finish before restoring \\(--force does not change this\\)`))
      expect(fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8')).toMatch(/^\d+/)
      fs.rmSync(lockFile)

      // restored into a fresh folder, held by no one: the staged upload with it, still ready to
      // commit (the staging is logged on the embedded database, migration 1060, so the copy holds
      // it); the import CLI opens the folder
      const fresh = path.join(dir, 'restored')
      const r = await backupCli('restore', { ...env, ONEMAP_DATA_DIR: fresh, ONEMAP_PHOTO_DIR: path.join(dir, 'photos-restored') }, b.result!.folder)
      expect(r.code, r.out).toBe(0)
      expect(r.result).toMatchObject({ uploads: 1, uploadsToResend: 0 })
      expect(fs.existsSync(path.join(fresh, LOCK_FILE))).toBe(false)
      const reread = await importCli(fresh, port, survey(dir, 'BK'), '--layer', 'parcels')
      expect(reread.code, reread.stderr).toBe(0)
      expect(reread.stdout).toContain('要素 features: 3')
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }, budget(35_000)) // an embedded folder made, a backup, a restore, and refusals while the CLI holds it: ~31 s
})
