/** Backup and restore as an operator runs them (README "Backup and restore"): the real service
 * (`tsx server/main.ts`) on the demo data, `npm run backup` (scripts/backup.ts) while parcels are
 * edited, an upload is committed and a field photo is added, then `npm run restore` into a fresh
 * data folder or database and OneMap started on it. Both engines: the embedded PGlite and the
 * PostgreSQL server of the test run. Then damaged backups, and kill -9 during a backup. */
import { spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { openPglite } from '../db/embedded'
import { pgp } from '../db/pgp'
import { budget } from '../test/budget'
import { freePort, withDatabase } from '../test/pg-cluster'
import { until } from '../test/until'
import { checkBackup } from './restore'

const ROOT = path.resolve(__dirname, '../..')
const ADMIN_PASSWORD = 'backup-test-admin'
const children: ChildProcess[] = []
const tmp: string[] = []
const databases: string[] = []

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true })
  const admin = pgp(inject('pgAdminUrl'))
  try {
    for (const d of databases) await admin.none('DROP DATABASE IF EXISTS $1:name WITH (FORCE)', [d])
  } finally {
    await admin.$pool.end()
  }
})

const tempDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  tmp.push(d)
  return d
}

async function newDatabase(): Promise<string> {
  const adminUrl = inject('pgAdminUrl')
  const name = 'onemap_bk_' + crypto.randomBytes(5).toString('hex')
  const admin = pgp(adminUrl)
  try {
    await admin.none('CREATE DATABASE $1:name', [name])
  } finally {
    await admin.$pool.end()
  }
  databases.push(name)
  return withDatabase(adminUrl, name)
}

interface Run { child: ChildProcess; out: () => string; exited: Promise<number | null> }

function spawnRun(args: string[], env: Record<string, string>, onLine?: (line: string) => void): Run {
  let out = ''
  let pending = ''
  // node itself with tsx as a loader: one process, so that a kill reaches the one doing the work
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ONEMAP_WEB_DIST: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  child.stdout!.on('data', (d: Buffer) => {
    out += d
    pending += d
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const l of lines) onLine?.(l)
  })
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, out: () => out, exited }
}

/** npm run backup / restore with --json: the exit code, the result line, everything printed. */
async function cli(script: 'backup' | 'restore', args: string[], env: Record<string, string>) {
  const run = spawnRun([`scripts/${script}.ts`, ...args, '--json'], env)
  const code = await run.exited
  const last = run.out().trim().split('\n').filter((l) => l.startsWith('{"result"')).pop()
  return { code, out: run.out(), result: last ? JSON.parse(last).result : null }
}

async function startServer(env: Record<string, string>): Promise<{ base: string; run: Run; stop(): Promise<void> }> {
  const port = await freePort()
  const run = spawnRun(['server/main.ts'], { PORT: String(port), ONEMAP_ADMIN_PASSWORD: ADMIN_PASSWORD, ONEMAP_BACKUP_AT: 'off', ...env })
  const base = `http://127.0.0.1:${port}`
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`server exited ${run.child.exitCode}: ${run.out()}`)
    try {
      if ((await fetch(`${base}/api/health`)).ok) break
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250))
  }
  return {
    base, run,
    async stop() {
      run.child.kill('SIGTERM')
      expect(await run.exited, run.out()).toBe(0)
    },
  }
}

async function login(base: string): Promise<Record<string, string>> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  expect(res.status).toBe(200)
  return { authorization: `Bearer ${(await res.json()).token}` }
}

function multipart(fields: Record<string, string>, file: { field: string; name: string; data: Buffer }) {
  const boundary = '----onemap' + crypto.randomBytes(8).toString('hex')
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`))
  parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>

/** Each row's md5, by id, for the tables a restore must give back equal. */
async function fingerprint(q: Query) {
  const map = async (sql: string) => new Map((await q(sql)).map((r) => [String(r.id), String(r.h)]))
  return {
    parcels: await map('SELECT id, md5(p::text) AS h FROM parcel p'),
    parcelByCode: new Map((await q('SELECT code, id, version, land_use FROM parcel')).map((r) => [String(r.code), r])),
    events: await map('SELECT id, md5(e::text) AS h FROM event_log e'),
    uploads: await map('SELECT id, md5(u::text) AS h FROM upload u'),
    uploadStatus: new Map((await q('SELECT id, status FROM upload')).map((r) => [String(r.id), String(r.status)])),
    photos: await map('SELECT id, md5(a::text) AS h FROM alert_photo a'),
    schema: String((await q("SELECT name AS m FROM schema_migration ORDER BY substring(name FROM '^[0-9]+')::int DESC, name DESC LIMIT 1"))[0].m),
  }
}
type Fingerprint = Awaited<ReturnType<typeof fingerprint>>

async function withPglite<T>(dir: string, fn: (q: Query) => Promise<T>): Promise<T> {
  const pg = await openPglite(dir)
  try {
    return await fn(async (sql) => (await pg.query<Record<string, unknown>>(sql)).rows)
  } finally {
    await pg.close()
  }
}

async function withServer<T>(url: string, fn: (q: Query) => Promise<T>): Promise<T> {
  const db = pgp({ connectionString: url, max: 1 })
  try {
    return await fn((sql) => db.any(sql))
  } finally {
    await db.$pool.end()
  }
}

interface Edits {
  /** parcel code and land_use written, in order */
  patched: { code: string; marker: string }[]
  upload: { id: string; code: string; afterEdit: number } | null
  photo: { alertId: number; photoId: number; sha256: string; afterEdit: number } | null
}

/** Edits one parcel after another (each its own parcel): three, then the backup is started, and
 * on until three after it ended, with an upload and a photo among them. */
async function editWhile<T>(base: string, auth: Record<string, string>, codes: string[], start: () => Promise<T>, tag: string): Promise<{ edits: Edits; during: T }> {
  const edits: Edits = { patched: [], upload: null, photo: null }
  let finished = false
  let after = 0
  let during: Promise<T> | null = null
  let next = 0
  const patch = async () => {
    for (;;) {
      const code = codes[next++]
      if (!code) throw new Error('ran out of parcels to edit')
      const card = await fetch(`${base}/api/parcels/${encodeURIComponent(code)}`, { headers: auth })
      expect(card.status, `card ${code}: ${await card.clone().text()}`.slice(0, 300)).toBe(200)
      const marker = `工业用地 ${tag} #${edits.patched.length}`
      const res = await fetch(`${base}/api/parcels/${encodeURIComponent(code)}`, {
        method: 'PATCH', headers: { ...auth, 'content-type': 'application/json', 'if-match': card.headers.get('etag')! },
        body: JSON.stringify({ land_use: marker, note: 'backup test' }),
      })
      // some demo parcels' stated area differs from their shape by more than the county allows:
      // every edit of them is refused (and writes nothing); take the next parcel
      if (res.status === 400 && (await res.clone().json()).detail?.field === 'geometry') continue
      expect(res.status, await res.clone().text()).toBe(200)
      edits.patched.push({ code, marker })
      return
    }
  }
  while (!finished || after < 3) {
    await patch()
    if (edits.patched.length === 3) {
      during = start()
      void during.finally(() => { finished = true })
    }
    if (finished) after++
    if (edits.patched.length === 4 && !edits.upload) edits.upload = await upload(base, auth, codes[codes.length - 1], edits.patched.length, tag)
    if (edits.patched.length === 6 && !edits.photo) edits.photo = await photo(base, auth, edits.patched.length)
  }
  return { edits, during: await during! }
}

/** A GeoJSON upload re-sending one demo parcel with a new land use, committed. */
async function upload(base: string, auth: Record<string, string>, code: string, afterEdit: number, tag: string): Promise<Edits['upload']> {
  const id = await uploadReady(base, auth, code, tag)
  await commitUpload(base, auth, id)
  return { id, code, afterEdit }
}

/** The same upload sent and checked, left ready to commit (its features staged); its id. */
async function uploadReady(base: string, auth: Record<string, string>, code: string, tag: string): Promise<string> {
  const card = await (await fetch(`${base}/api/parcels/${encodeURIComponent(code)}`, { headers: auth })).json()
  const fc = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { 宗地编号: code, 土地用途: `仓储用地 ${tag} upload` }, geometry: card.geometry }] }
  const m = multipart({ layer: 'parcels' }, { field: 'file', name: 'survey.geojson', data: Buffer.from(JSON.stringify(fc)) })
  const created = await fetch(`${base}/api/uploads`, { method: 'POST', headers: { ...auth, ...m.headers }, body: m.body })
  expect(created.status, await created.clone().text()).toBe(201)
  const { id } = await created.json()
  await uploadUntil(base, auth, String(id), 'ready')
  return String(id)
}

async function commitUpload(base: string, auth: Record<string, string>, id: string): Promise<void> {
  const commit = await fetch(`${base}/api/uploads/${id}/commit`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ acceptWarnings: true }),
  })
  expect([200, 202], await commit.clone().text()).toContain(commit.status)
  await uploadUntil(base, auth, id, 'committed')
}

async function uploadUntil(base: string, auth: Record<string, string>, id: string, status: 'ready' | 'committed'): Promise<void> {
  await until(`upload ${id} ${status}`, async () => {
    const u = await (await fetch(`${base}/api/uploads/${id}`, { headers: auth })).json()
    if (u.status === 'failed') throw new Error(JSON.stringify(u.error))
    return u.status === status
  })
}

/** A field photo (JPEG by its first bytes, random content) on an alert of 洛龙区 assigned to the
 * demo inspector (photos are taken on assigned or in-field alerts). */
async function photo(base: string, auth: Record<string, string>, afterEdit: number): Promise<Edits['photo']> {
  const url = `${base}/api/alerts?county=410311&status=assigned&status=in_field&status=new&limit=200`
  // on a first start the demo's alerts come from a scan that runs in the background
  let list = await (await fetch(url, { headers: auth })).json()
  for (let i = 0; list.numberMatched === 0 && i < 1200; i++) {
    await new Promise((r) => setTimeout(r, 100))
    list = await (await fetch(url, { headers: auth })).json()
  }
  const data = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(50_000)])
  for (const a of list.items as { id: number; status: string; version: number; county_code: string }[]) {
    if (a.status === 'new' && a.county_code === '410311') {
      const assigned = await fetch(`${base}/api/alerts/${a.id}`, {
        method: 'PATCH', headers: { ...auth, 'content-type': 'application/json', 'if-match': `"${a.version}"` },
        body: JSON.stringify({ action: 'assign', assignee: 'inspector.luolong' }),
      })
      if (assigned.status !== 200) continue
    } else if (a.status !== 'assigned' && a.status !== 'in_field') {
      continue
    }
    const m = multipart({}, { field: 'photo', name: 'site.jpg', data })
    const res = await fetch(`${base}/api/alerts/${a.id}/photos`, { method: 'POST', headers: { ...auth, ...m.headers }, body: m.body })
    if (res.status === 201) {
      const p = await res.json()
      return { alertId: a.id, photoId: p.id, sha256: p.sha256, afterEdit }
    }
  }
  throw new Error('no alert of the demo took a photo')
}

/** A step made after `after` edits and before the next one: in the backup when a later edit is,
 * out when an earlier one is out (either way when the backup fell right next to it). */
function inOrder(what: string, after: number, isIn: boolean, m: number) {
  if (m > after) expect(isIn, `${what} (after edit ${after}) is in the backup with ${m} edits`).toBe(true)
  if (m < after) expect(isIn, `${what} (after edit ${after}) is not in the backup with ${m} edits`).toBe(false)
}

/** The restored database against the live one: each edit wholly in or wholly out, the ones in
 * forming a prefix of the sequence, and every row it holds equal to the live row. */
function compare(live: Fingerprint, restored: Fingerprint, edits: Edits, strictEventPrefix: boolean): { inBackup: number } {
  expect(restored.schema).toBe(live.schema)
  const present = edits.patched.map((e) => restored.parcelByCode.get(e.code)!.land_use === e.marker)
  const m = present.indexOf(false) === -1 ? present.length : present.indexOf(false)
  expect(present.slice(m).every((p) => !p), `edits in the backup form a prefix: ${present.map(Number).join('')}`).toBe(true)
  expect(m, 'some edits were made before the backup').toBeGreaterThanOrEqual(3)
  expect(m, 'some edits were made after the backup').toBeLessThan(edits.patched.length)
  const editedLater = new Set(edits.patched.slice(m).map((e) => e.code))
  const uploadIn = edits.upload !== null && restored.uploadStatus.get(edits.upload.id) === 'committed'
  if (edits.upload) {
    inOrder('upload', edits.upload.afterEdit, uploadIn, m)
    if (!uploadIn) editedLater.add(edits.upload.code)
  }
  for (const [code, row] of live.parcelByCode) {
    const r = restored.parcelByCode.get(code)
    expect(r, `parcel ${code} restored`).toBeDefined()
    if (editedLater.has(code)) {
      expect(Number(r!.version), `parcel ${code} one version behind`).toBe(Number(row.version) - 1)
    } else {
      expect(restored.parcels.get(String(r!.id)), `parcel ${code} equal`).toBe(live.parcels.get(String(row.id)))
    }
  }
  // every history entry of the backup, equal to the live one; the live ones up to the last restored
  // are all there (on a server concurrent transactions may commit out of id order, so only embedded)
  for (const [id, h] of restored.events) expect(h, `event ${id}`).toBe(live.events.get(id))
  const last = Math.max(...[...restored.events.keys()].map(Number))
  if (strictEventPrefix) expect(restored.events.size).toBe([...live.events.keys()].filter((id) => Number(id) <= last).length)
  for (const e of edits.patched.slice(0, m)) expect(restored.parcelByCode.get(e.code)!.land_use).toBe(e.marker)
  if (uploadIn) expect(restored.uploads.get(edits.upload!.id)).toBe(live.uploads.get(edits.upload!.id))
  const photoIn = edits.photo !== null && restored.photos.has(String(edits.photo.photoId))
  if (edits.photo) {
    inOrder('photo', edits.photo.afterEdit, photoIn, m)
    if (photoIn) expect(restored.photos.get(String(edits.photo.photoId))).toBe(live.photos.get(String(edits.photo.photoId)))
  }
  for (const [id, h] of live.uploads) if (restored.uploads.has(id) && id !== edits.upload?.id) expect(restored.uploads.get(id)).toBe(h)
  return { inBackup: m }
}

/** Each edited parcel's number of file entries (一地一档), on the live service. */
async function historyTotals(base: string, auth: Record<string, string>, edits: Edits): Promise<Map<string, number>> {
  const totals = new Map<string, number>()
  for (const { code } of edits.patched) {
    totals.set(code, (await (await fetch(`${base}/api/parcels/${encodeURIComponent(code)}/history?limit=1`, { headers: auth })).json()).total)
  }
  return totals
}

/** OneMap on the restored data: health, an edited parcel's card and history, the photo's bytes. */
async function checkRestoredService(env: Record<string, string>, restored: Fingerprint, edits: Edits, m: number, liveHistory: Map<string, number>,
  waiting?: { id: string; code: string }) {
  const server = await startServer(env)
  try {
    const health = await (await fetch(`${server.base}/api/health`)).json()
    expect(health.schemaVersion).toBe(restored.schema)
    const auth = await login(server.base)
    const e = edits.patched[m - 1]
    const card = await (await fetch(`${server.base}/api/parcels/${encodeURIComponent(e.code)}`, { headers: auth })).json()
    expect(card.properties?.land_use ?? card.land_use).toBe(e.marker)
    // the parcel's file (一地一档): the last edit in the backup with all before it; the first one
    // after the backup without its entry
    const total = async (code: string) =>
      (await (await fetch(`${server.base}/api/parcels/${encodeURIComponent(code)}/history?limit=1`, { headers: auth })).json()).total
    expect(await total(e.code)).toBe(liveHistory.get(e.code))
    const out = edits.patched[m].code
    expect(await total(out)).toBe(liveHistory.get(out)! - 1)
    if (edits.photo && restored.photos.has(String(edits.photo.photoId))) {
      const res = await fetch(`${server.base}/api/alerts/${edits.photo.alertId}/photos/${edits.photo.photoId}`, { headers: auth })
      expect(res.status).toBe(200)
      expect(crypto.createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')).toBe(edits.photo.sha256)
    }
    // an upload that was waiting for its commit at the backup commits from its restored staging
    if (waiting) {
      await commitUpload(server.base, auth, waiting.id)
      const card = await (await fetch(`${server.base}/api/parcels/${encodeURIComponent(waiting.code)}`, { headers: auth })).json()
      expect(card.properties?.land_use ?? card.land_use).toBe('仓储用地 waiting upload')
    }
  } finally {
    await server.stop()
  }
}

async function parcelCodes(base: string, auth: Record<string, string>): Promise<string[]> {
  const page = await (await fetch(`${base}/api/parcels?limit=1000`, { headers: auth })).json()
  return (page.features as { properties: { code: string } }[]).map((f) => f.properties.code)
}

describe('backup of a running server while edits go on, restored and served again', () => {
  it('embedded (PGlite): the running server copies its own data folder', async () => {
    const dataDir = tempDir('onemap-bk-live-')
    const backupDir = tempDir('onemap-bk-dir-')
    const env = { DATABASE_URL: '', ONEMAP_DATA_DIR: dataDir, ONEMAP_PHOTO_DIR: path.join(dataDir, 'photos'), ONEMAP_BACKUP_DIR: backupDir }
    const server = await startServer(env)
    const auth = await login(server.base)
    const codes = await parcelCodes(server.base, auth)
    // an upload checked and waiting for its commit: its staged features are logged here
    // (migration 1060), so the backup holds them and the restored upload can still be committed
    const waiting = { code: codes[codes.length - 2]!, id: '' }
    waiting.id = await uploadReady(server.base, auth, waiting.code, 'waiting')
    const t0 = Date.now()
    const { edits, during: b } = await editWhile(server.base, auth, codes, () => cli('backup', [], env), 'E')
    expect(b.code, b.out).toBe(0)
    const backupMs = Date.now() - t0
    const health = await (await fetch(`${server.base}/api/health`)).json()
    expect(health.backup).toMatchObject({ state: 'ok', lastRun: { ok: true }, lastBackup: { name: b.result.name } })
    const liveHistory = await historyTotals(server.base, auth, edits)
    // never onto the folder of a running server, even with --force
    const onLive = await cli('restore', [b.result.folder, '--force'], env)
    expect(onLive.code).toBe(1)
    expect(onLive.out).toMatch(/a OneMap server is running on .*: stop it before restoring/)
    await server.stop()
    const live = await withPglite(dataDir, fingerprint)

    const restoredDir = path.join(tempDir('onemap-bk-restored-'), 'data')
    const renv = { ...env, ONEMAP_DATA_DIR: restoredDir, ONEMAP_PHOTO_DIR: path.join(restoredDir, 'photos') }
    const r = await cli('restore', [b.result.folder], renv)
    expect(r.code, r.out).toBe(0)
    const restored = await withPglite(restoredDir, fingerprint)
    const { inBackup } = compare(live, restored, edits, true)
    expect(r.result).toMatchObject({ schemaVersion: live.schema, parcels: restored.parcelByCode.size, events: restored.events.size })
    expect(restored.uploadStatus.get(waiting.id), 'the upload waiting for its commit').toBe('ready')
    expect(r.result.uploadsToResend).toBe(0)
    await checkRestoredService(renv, restored, edits, inBackup, liveHistory, waiting)
    console.log(`embedded backup (demo data, during ${edits.patched.length} edits): ${b.result.seconds.toFixed(1)} s (the command ${(backupMs / 1000).toFixed(1)} s), ` +
      `${(b.result.bytes / 1048576).toFixed(1)} MB (database ${(b.result.parts[0].contentBytes / 1048576).toFixed(1)} MB before compression), ` +
      `server held ${b.result.pausedMs} ms; restore ${r.result.seconds.toFixed(1)} s; ${inBackup} edits in the backup`)

    // a restore never lands on a folder in use
    const again = await cli('restore', [b.result.folder], renv)
    expect(again.code).toBe(1)
    expect(again.out).toMatch(/data folder .* is not empty; .* --force/)
    // with --force the folder in use is moved aside, not deleted
    const forced = await cli('restore', [b.result.folder, '--force'], renv)
    expect(forced.code, forced.out).toBe(0)
    expect(forced.result.movedAside).toEqual([expect.stringMatching(/data\.before-restore-\d{8}T\d{6}Z$/)])
    expect(fs.existsSync(path.join(forced.result.movedAside[0], 'PG_VERSION'))).toBe(true)
    expect(fs.existsSync(path.join(restoredDir, 'PG_VERSION'))).toBe(true)
  }, budget(70_000)) // a first embedded start loading the demo, a backup during edits, a restore started and served again: ~66 s on an idle machine

  it('PostgreSQL server: pg_dump from one snapshot while the service runs', async () => {
    const url = await newDatabase()
    const backupDir = tempDir('onemap-bk-dir-')
    const photoDir = tempDir('onemap-bk-photos-')
    const env = { DATABASE_URL: url, ONEMAP_PHOTO_DIR: photoDir, ONEMAP_BACKUP_DIR: backupDir }
    const server = await startServer(env)
    const auth = await login(server.base)
    const codes = await parcelCodes(server.base, auth)
    const t0 = Date.now()
    const { edits, during: b } = await editWhile(server.base, auth, codes, () => cli('backup', [], env), 'S')
    expect(b.code, b.out).toBe(0)
    const backupMs = Date.now() - t0
    const live = await withServer(url, fingerprint)
    const liveHistory = await historyTotals(server.base, auth, edits)
    await server.stop()

    const target = await newDatabase()
    const restoredPhotos = path.join(tempDir('onemap-bk-rphotos-'), 'photos')
    const renv = { ...env, DATABASE_URL: target, ONEMAP_PHOTO_DIR: restoredPhotos }
    const r = await cli('restore', [b.result.folder], renv)
    expect(r.code, r.out).toBe(0)
    const restored = await withServer(target, fingerprint)
    const { inBackup } = compare(live, restored, edits, false)
    await checkRestoredService(renv, restored, edits, inBackup, liveHistory)
    console.log(`server backup (demo data, during ${edits.patched.length} edits): ${b.result.seconds.toFixed(1)} s (the command ${(backupMs / 1000).toFixed(1)} s), ` +
      `${(b.result.bytes / 1048576).toFixed(1)} MB; restore ${r.result.seconds.toFixed(1)} s; ${inBackup} edits in the backup`)

    // the database now has tables: refused without --force (the photo folder emptied, so that it
    // is the database that is refused), replaced with it
    fs.rmSync(restoredPhotos, { recursive: true })
    const refused = await cli('restore', [b.result.folder], renv)
    expect(refused.code).toBe(1)
    expect(refused.out).toMatch(/has \d+ tables; .* --force/)
    const forced = await cli('restore', [b.result.folder, '--force'], renv)
    expect(forced.code, forced.out).toBe(0)
    expect(await withServer(target, fingerprint).then((f) => f.events.size)).toBe(restored.events.size)

    // damaged copies of this backup are refused, naming what is wrong
    await damaged(b.result.folder, tempDir('onemap-bk-damaged-'))
  }, budget(25_000)) // a service on a new database, pg_dump during edits, two restores served again: 16–25 s alone in CI
})

/** Copies of a good backup, each damaged one way, are all refused by the checksum check. */
async function damaged(good: string, scratch: string) {
  const name = path.basename(good)
  const copy = (label: string) => {
    const d = path.join(scratch, label, name)
    fs.cpSync(good, d, { recursive: true })
    return d
  }
  await expect(checkBackup(good, () => undefined)).resolves.toMatchObject({ name })
  const manifest = JSON.parse(fs.readFileSync(path.join(good, 'manifest.json'), 'utf8'))
  for (const part of manifest.parts as { name: string; bytes: number }[]) {
    const flipped = copy(`flip-${part.name}`)
    const f = path.join(flipped, part.name)
    const data = fs.readFileSync(f)
    data[Math.floor(data.length / 2)] ^= 0x01
    fs.writeFileSync(f, data)
    await expect(checkBackup(flipped, () => undefined)).rejects.toThrow(new RegExp(`part ${part.name.replace('.', '\\.')} is damaged`))

    const truncated = copy(`cut-${part.name}`)
    fs.truncateSync(path.join(truncated, part.name), Math.floor(part.bytes / 2))
    await expect(checkBackup(truncated, () => undefined)).rejects.toThrow(new RegExp(`part ${part.name.replace('.', '\\.')} has \\d+ bytes, the manifest says`))
  }
  const edited = copy('manifest-edited')
  fs.writeFileSync(path.join(edited, 'manifest.json'), fs.readFileSync(path.join(edited, 'manifest.json'), 'utf8').replace(/"dataVersion": \d+/, '"dataVersion": 1'))
  await expect(checkBackup(edited, () => undefined)).rejects.toThrow(/manifest\.json does not match its checksum/)

  const missing = copy('no-manifest')
  fs.rmSync(path.join(missing, 'manifest.sha256'))
  await expect(checkBackup(missing, () => undefined)).rejects.toThrow(/an unfinished backup or not a backup/)

  // complete, but under the name of an unfinished one (a kill between the manifest and the rename)
  const unfinished = path.join(scratch, `.partial-1-${name}`)
  fs.cpSync(good, unfinished, { recursive: true })
  await expect(checkBackup(unfinished, () => undefined)).rejects.toThrow(/leftover of an interrupted backup/)
}

describe('kill -9 during a backup', () => {
  it('leaves nothing that restore accepts, at any phase', async () => {
    // a stopped embedded installation with some photos: the backup opens it itself
    const dataDir = tempDir('onemap-bk-kill-')
    const photoDir = path.join(dataDir, 'photos')
    const backupDir = tempDir('onemap-bk-killdir-')
    const env = { DATABASE_URL: '', ONEMAP_DATA_DIR: dataDir, ONEMAP_PHOTO_DIR: photoDir, ONEMAP_BACKUP_DIR: backupDir, ONEMAP_DEMO: 'false' }
    const server = await startServer(env)
    await server.stop()
    for (let i = 0; i < 40; i++) {
      const data = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(1 << 20)])
      const hash = crypto.createHash('sha256').update(data).digest('hex')
      fs.mkdirSync(path.join(photoDir, hash.slice(0, 2)), { recursive: true })
      fs.writeFileSync(path.join(photoDir, hash.slice(0, 2), `${hash}.jpg`), data)
    }
    for (const phase of ['copy', 'database', 'photos']) {
      let killed = false
      const run = spawnRun(['scripts/backup.ts', '--json'], env, (line) => {
        const e = JSON.parse(line) as { type: string; phase?: string; done?: number; total?: number }
        // the first progress inside the phase, with work left in it
        if (!killed && e.type === 'progress' && e.phase === phase && e.done! < e.total!) {
          killed = true
          run.child.kill('SIGKILL')
        }
      })
      await run.exited
      expect(killed, `${phase}: killed part-way (${run.out().slice(-300)})`).toBe(true)
      const left = fs.readdirSync(backupDir).filter((n) => n !== 'last-run.json')
      expect(left.length, `${phase}: something was left to try`).toBeGreaterThan(0)
      for (const n of left) {
        const restoreDir = path.join(tempDir('onemap-bk-killrestore-'), 'data')
        const r = await cli('restore', [path.join(backupDir, n)], { ...env, ONEMAP_DATA_DIR: restoreDir, ONEMAP_PHOTO_DIR: path.join(restoreDir, 'photos') })
        expect(r.code, `${phase}: restore of ${n} refused`).toBe(1)
        expect(r.out).toMatch(/恢复失败 restore refused: .*(unfinished|leftover|missing|bytes)/)
        expect(fs.existsSync(restoreDir), `${phase}: nothing written for ${n}`).toBe(false)
      }
    }
    // the next backup clears what the killed ones left and writes a complete one
    const ok = await cli('backup', [], env)
    expect(ok.code, ok.out).toBe(0)
    expect(fs.readdirSync(backupDir).sort()).toEqual(['last-run.json', ok.result.name])
    await expect(checkBackup(ok.result.folder, () => undefined)).resolves.toMatchObject({ parts: expect.arrayContaining([expect.objectContaining({ name: 'photos.tar.gz', files: 40 })]) })
  }, budget(35_000)) // a backup killed in each of its phases, every leftover tried by restore: ~30 s
})
