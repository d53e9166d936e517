/** A chunked commit (README "The embedded database and concurrent users"; server/ingest/uploads.ts
 * commitStep) when the process running it is SIGKILLed, as a real process, not a claim forged in
 * the test (chunked-commit.test.ts does that):
 * - on PostgreSQL (chunks set by ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES), killed while its second
 *   chunk is written but not committed (ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK): the first chunk stays,
 *   the second is rolled back, and another process takes the chunk over and commits the rest once;
 * - on the embedded database (chunked by default), killed between or in chunks with the database
 *   inside the dying process: the next start recovers the data folder, whose staging is logged
 *   there (migration 1060), so the commit is taken over and resumed to its end, each chunk once.
 * After either, the kept before-images (upload_commit_undo) are gone with the commit. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../app'
import { loadConfig } from '../../config'
import { openPglite } from '../../db/embedded'
import { budget } from '../../test/budget'
import { createTestDatabase, type TestDatabase } from '../../test/db'
import { grid, parcelCollection } from '../../test/ingest-helpers'
import { pausedAt } from '../../test/paused'
import { killServer, type ServerProcess, signIn, startServer } from '../../test/server-process'
import { until } from '../../test/until'
import { multipart, seedPlaces } from '../../test/upload-fixture'

const PAUSE_LOCK = 716_031
const PASSWORD = 'chunked-kill-password'
const servers: ServerProcess[] = []
const dirs: string[] = []
let database: TestDatabase | null = null

afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL')
  await database?.drop()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

/** `n` parcels coded `<prefix>-0…`, 0.001° squares on a 0.002° grid (no overlaps among them), as GeoJSON. */
function file(prefix: string, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({ 宗地编号: `${prefix}-${String(i).padStart(5, '0')}`, 土地用途: '工业用地' }))
  return { name: `${prefix}.geojson`, data: Buffer.from(JSON.stringify(parcelCollection(rows, grid))) }
}

/** Uploads the file to `s` and returns the upload's id once it is ready, with no errors. */
async function uploadReady(s: ServerProcess, auth: Record<string, string>, f: { name: string; data: Buffer }, n: number): Promise<string> {
  const body = multipart({ layer: 'parcels' }, f)
  const created = await fetch(`${s.base}/api/uploads`, { method: 'POST', headers: { ...body.headers, ...auth }, body: body.payload })
  expect(created.status, await created.clone().text()).toBe(201)
  const { id } = await created.json()
  const ready = await until('the upload to be ready', async () => {
    const u = await (await fetch(`${s.base}/api/uploads/${id}`, { headers: auth })).json()
    if (u.status === 'failed') throw new Error(JSON.stringify(u.error))
    return u.status === 'ready' ? u : null
  })
  expect(ready.report).toMatchObject({ featureCount: n, accepted: n, errors: 0 })
  return id
}

const commitOf = (s: ServerProcess, auth: Record<string, string>, id: string) => fetch(`${s.base}/api/uploads/${id}/commit`, {
  method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ acceptWarnings: true }),
}).then((r) => r.status, () => 'connection lost')

/** What a finished commit leaves, read by `q`: the parcels, their insert events naming the upload,
 * the commit's chunk jobs (from, state, attempt) and the before-images still kept. */
const AFTER = `SELECT
  (SELECT count(*)::int FROM parcel WHERE code LIKE $2 || '-%') AS parcels,
  (SELECT count(*)::int FROM event_log e JOIN parcel p ON p.id = e.parcel_id WHERE p.code LIKE $2 || '-%'
    AND e.action = 'insert' AND e.note = 'upload ' || $1) AS inserts,
  (SELECT json_agg(json_build_object('from', coalesce((payload->>'from')::int, 0), 'state', state, 'attempt', attempt)
    ORDER BY coalesce((payload->>'from')::int, 0)) FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'commit') AS chunks,
  (SELECT count(*)::int FROM upload_commit_undo WHERE upload_id = $1::uuid) AS kept,
  (SELECT status FROM upload WHERE id = $1::uuid) AS status`

describe('a chunked commit on PostgreSQL, its process SIGKILLed in the second chunk', () => {
  it('keeps the first chunk, rolls the second back, and another process commits the rest once', async () => {
    database = await createTestDatabase()
    await seedPlaces(database.db)
    const env = {
      DATABASE_URL: database.url, ONEMAP_ADMIN_PASSWORD: PASSWORD, ONEMAP_JOB_LEASE_SECONDS: '2',
      ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES: '4', ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK: String(PAUSE_LOCK),
    }
    const a = await startServer('A', env)
    servers.push(a)
    const auth = await signIn(a, 'admin', PASSWORD)
    const id = await uploadReady(a, auth, file('CKPG', 12), 12)
    const db = database.db
    const parcels = () => db.one("SELECT count(*)::int AS n FROM parcel WHERE code LIKE 'CKPG-%'", [], (r) => r.n)
    await pausedAt(db, PAUSE_LOCK, () => commitOf(a, auth, id), async (answer) => {
      // the second chunk's job is running, its parcels written in A's open transaction
      expect(await db.any("SELECT (payload->>'from')::int AS from, state, attempt FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'commit' ORDER BY id", [id]))
        .toEqual([{ from: null, state: 'done', attempt: 1 }, { from: 4, state: 'running', attempt: 1 }])
      expect(await parcels()).toBe(4)
      expect(await db.one('SELECT status FROM upload WHERE id = $1', [id], (r) => r.status)).toBe('committing')
      await killServer(a, 'SIGKILL')
      expect(await answer).toBe('connection lost')
    })
    // A's backend got the lock, found its client gone and rolled the second chunk back
    expect(await parcels()).toBe(4)
    // another process takes the chunk over once A's lease has run out
    const b = await buildApp({
      config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_JOB_LEASE_SECONDS: '2', ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES: '4' }),
      database,
    })
    try {
      await b.ready()
      await until('the upload to be committed by B', async () => (await db.one('SELECT status FROM upload WHERE id = $1', [id], (r) => r.status)) === 'committed')
      const after = await db.one(AFTER, [id, 'CKPG'])
      expect(after).toEqual({
        parcels: 12, inserts: 12, kept: 0, status: 'committed',
        chunks: [{ from: 0, state: 'done', attempt: 1 }, { from: 4, state: 'done', attempt: 2 }, { from: 8, state: 'done', attempt: 1 }],
      })
      expect(await db.one('SELECT result FROM upload WHERE id = $1', [id], (r) => r.result)).toEqual({ inserted: 12, updated: 0, unchanged: 0 })
    } finally {
      await b.close()
    }
  }, budget(25_000)) // a server process started, a small upload, a takeover after a 2 s lease
})

describe('a chunked commit on the embedded database, its process SIGKILLed mid-commit', () => {
  // The database dies with the process here. PGlite recovers the data folder at the next start as
  // PostgreSQL does after a crash: the chunk being written is rolled back, and the staging, logged
  // on the embedded database (migration 1060), is still there. The runner takes the commit over once
  // the lease has run out and resumes it to its end, each chunk once, as on PostgreSQL.
  it('is resumed at the next start on the same data folder: every parcel once, each chunk once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-chunked-kill-'))
    dirs.push(dataDir)
    const N = 3000
    const CHUNK = 250
    // the demo gives the embedded database its counties (the county check needs them)
    const env = {
      DATABASE_URL: '', ONEMAP_DATA_DIR: dataDir, ONEMAP_DEMO: 'true', ONEMAP_ADMIN_PASSWORD: PASSWORD,
      ONEMAP_JOB_LEASE_SECONDS: '2', ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES: String(CHUNK),
      // checked and committed in the background, by the job runner (the request answers at once)
      ONEMAP_UPLOAD_BACKGROUND_FEATURES: '100',
    }
    const first = await startServer('embedded-1', env)
    servers.push(first)
    const auth = await signIn(first, 'admin', PASSWORD)
    const id = await uploadReady(first, auth, file('CKEM', N), N)
    const doneJobs = async () => ((await (await fetch(`${first.base}/api/jobs?state=done&limit=500`, { headers: auth })).json()) as { kind: string }[])
      .filter((j) => j.kind === 'upload').length
    const before = await doneJobs()
    expect(await commitOf(first, auth, id)).toBe(202)
    // reads are served between the chunks: kill once two chunks have been committed, the rest not
    await until('two chunks to be committed', async () => (await doneJobs()) >= before + 2)
    const u = await (await fetch(`${first.base}/api/uploads/${id}`, { headers: auth })).json()
    expect(u.status, 'the kill came before the commit ended').toBe('committing')
    await killServer(first, 'SIGKILL')

    // the next start recovers the folder (the dead process's lock is stale); the runner takes the
    // commit over once the lease has run out and commits the rest
    const second = await startServer('embedded-2', env)
    servers.push(second)
    const auth2 = await signIn(second, 'admin', PASSWORD)
    const committed = await until('the upload to end after the restart', async () => {
      const v = await (await fetch(`${second.base}/api/uploads/${id}`, { headers: auth2 })).json()
      if (v.status === 'failed' || v.status === 'ready') throw new Error(`expected the commit resumed: ${v.status} ${JSON.stringify(v.error)}`)
      return v.status === 'committed' ? v : null
    })
    expect(committed.result).toEqual({ inserted: N, updated: 0, unchanged: 0 })
    // its analysis refresh too, before the server stops
    await until('the upload jobs to end', async () => {
      const jobs = (await (await fetch(`${second.base}/api/jobs?limit=500`, { headers: auth2 })).json()) as { kind: string; state: string }[]
      return jobs.every((j) => j.kind !== 'upload' || j.state === 'done' || j.state === 'failed')
    })
    await killServer(second)
    expect(second.child.exitCode).toBe(0)

    // the data folder itself, read after the server has stopped
    const pg = await openPglite(dataDir)
    try {
      const after = (await pg.query<Record<string, unknown>>(AFTER, [id, 'CKEM'])).rows[0]!
      // every parcel once, each with its one insert naming the upload; nothing kept to undo
      expect(after).toMatchObject({ parcels: N, inserts: N, kept: 0, status: 'committed' })
      const chunks = after.chunks as { from: number; state: string; attempt: number }[]
      // every chunk once, end to end, done; at least the two committed before the kill by the first process
      expect(chunks.map((c) => c.from)).toEqual(Array.from({ length: N / CHUNK }, (_, i) => i * CHUNK))
      expect(chunks.every((c) => c.state === 'done')).toBe(true)
      expect(chunks.slice(0, 2).every((c) => c.attempt === 1)).toBe(true)
      const log = (await pg.query<{ action: string; n: number }>(`SELECT action, count(*)::int AS n FROM event_log
        WHERE entity = 'parcel' AND note IN ('upload ' || $1, 'undo upload ' || $1) GROUP BY action ORDER BY action`, [id])).rows
      expect(log).toEqual([{ action: 'insert', n: N }])
    } finally {
      await pg.close()
    }
  }, budget(120_000)) // two starts of the embedded database (the first loads the demo), 3000 parcels staged and committed
})
