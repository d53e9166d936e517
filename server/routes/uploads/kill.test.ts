/** Issue 3 "Done when": killing the server during a commit leaves either all of the upload or none
 * of it. The app runs in a child process (server/main.ts) against this test's database; a large
 * zipped GBK shapefile is uploaded and staged through its HTTP API; its commit is started and the
 * child is SIGKILLed while PostgreSQL is executing the commit's INSERT. Then the parcels and their
 * event-log rows are counted (0 or all), and a new app on the same database takes the commit's job
 * over (the job table, server/jobs/queue.ts) once the dead process's lease has run out, and
 * commits the upload whole, once. */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../app'
import { loadConfig } from '../../config'
import { createTestDatabase, type TestDatabase } from '../../test/db'
import { makeTempDir, parcelCollection, removeTempDirs, writeShapefile, zipCli } from '../../test/ingest-helpers'
import { multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'
import { freePort } from '../../test/pg-cluster'
import { until } from '../../test/until'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const N = 30_000
const PASSWORD = 'kill-test-password'

let database: TestDatabase
let child: ChildProcess | null = null

beforeAll(async () => {
  database = await createTestDatabase()
  await seedPlaces(database.db)
})

afterAll(async () => {
  child?.kill('SIGKILL')
  await database?.drop()
  removeTempDirs()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const counts = () => database.db.one(`SELECT (SELECT count(*)::int FROM parcel) AS parcels,
  (SELECT count(*)::int FROM event_log WHERE entity = 'parcel') AS events`)

it(`SIGKILL during the commit of ${N} parcels leaves all or none of them`, async () => {
  // The input: N small squares in the 洛龙 cluster, a GBK shapefile in EPSG:4546 by GDAL, zipped.
  const dir = makeTempDir('onemap-upload-kill-')
  const rows = Array.from({ length: N }, (_, i) => ({ 宗地编号: `KILL-${String(i).padStart(6, '0')}`, 土地用途: '工业用地' }))
  const fc = parcelCollection(rows, (i) => [112.36 + (i % 200) * 0.0005, 34.56 + Math.floor(i / 200) * 0.0005])
  for (const f of fc.features) {
    const [[a]] = f.geometry.coordinates
    f.geometry.coordinates = [[a!, [a![0]! + 0.0004, a![1]!], [a![0]! + 0.0004, a![1]! + 0.0004], [a![0]!, a![1]! + 0.0004], a!]]
  }
  writeShapefile(dir, fc, { epsg: 4546, name: 'kill' })
  const zip = zipCli(join(dir, 'kill.zip'), dir, ['kill.shp', 'kill.shx', 'kill.dbf', 'kill.prj', 'kill.cpg'])

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: String(port), ONEMAP_DEMO: 'false',
      ONEMAP_ADMIN_PASSWORD: PASSWORD, ONEMAP_WEB_DIST: '/nonexistent', LOG_LEVEL: 'warn',
      // the admin's second factor, required outside the demo, is the sign-in tests' (sign-in.test.ts)
      ONEMAP_TOTP_REQUIRED: 'false',
      // a short lease: the new app below takes the dead child's job over after it
      ONEMAP_JOB_LEASE_SECONDS: '2',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  await until('the child app to listen', async () => (await fetch(`${base}/api/health`)).ok, { every: 200, retryErrors: true })
    .catch((e) => { throw new Error(`${e.message}: ${stderr}`) })
  const login = await (await fetch(`${base}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  })).json()
  const auth = { authorization: `Bearer ${login.token}` }

  const body = multipart({ layer: 'parcels' }, uploadFile(zip))
  const created = await fetch(`${base}/api/uploads`, { method: 'POST', headers: { ...body.headers, ...auth }, body: body.payload })
  expect(created.status).toBe(201)
  const { id } = await created.json()
  // Past the background threshold: staged and checked in a job; the report shows when ready.
  const ready = await until('the upload to be ready', async () => {
    const u = await (await fetch(`${base}/api/uploads/${id}`, { headers: auth })).json()
    if (u.status === 'failed') throw new Error(JSON.stringify(u.error))
    return u.status === 'ready' ? u : null
  }, { retryErrors: true })
  expect(ready.report).toMatchObject({ featureCount: N, accepted: N, errors: 0, warnings: 0 })

  const commit = await fetch(`${base}/api/uploads/${id}/commit`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' })
  expect(commit.status).toBe(202)
  // Kill while PostgreSQL runs the commit's INSERT into parcel for the child's connection.
  const committing = `SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active'
    AND query LIKE '%INSERT INTO parcel%'`
  const { pid } = await until<{ pid: number }>('the commit INSERT to be running', () => database.db.oneOrNone(committing), { ms: 60_000, every: 10, retryErrors: true })
  await sleep(200)
  const midway = (await database.db.any(committing)).length
  child.kill('SIGKILL')
  await new Promise((r) => child!.once('exit', r))
  child = null
  expect(midway, 'the kill came while the commit was running').toBe(1)

  // The server notices the dead client when the statement ends; wait for its backends to go.
  await until('the dead app’s commit backend to end', async () => (await database.db.one(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid], (r) => r.n)) === 0, { every: 100, retryErrors: true })
  const after = await counts()
  console.log(`kill test: ${after.parcels} of ${N} parcels committed after SIGKILL mid-commit`)
  expect([0, N]).toContain(after.parcels)
  expect(after.events).toBe(after.parcels)
  const row = await database.db.one('SELECT status FROM upload WHERE id = $1', [id])
  expect(row.status).toBe(after.parcels === N ? 'committed' : 'committing')

  // A new process on the same database takes the interrupted commit over and commits it whole.
  const app = await buildApp({ config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_JOB_LEASE_SECONDS: '2' }), database })
  try {
    await app.ready()
    const u = await until('the upload to be committed by the new process', async () => {
      const r = await database.db.one('SELECT status, error FROM upload WHERE id = $1', [id])
      if (r.status === 'failed' || r.status === 'ready') throw new Error(JSON.stringify(r))
      return r.status === 'committed' ? r : null
    }, { every: 100, retryErrors: true })
    expect(u.status).toBe('committed')
    expect(await counts()).toEqual({ parcels: N, events: N })
    const jobs = await database.db.any("SELECT state, attempt FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'commit'", [id])
    // the commit ran to its end once: taken over at its second attempt when the kill came before it committed
    expect(jobs).toEqual([{ state: 'done', attempt: after.parcels === N ? 1 : 2 }])
    // and what follows it dropped the staging
    await until('the staging to be dropped', async () => (await database.db.one(
      'SELECT count(*)::int AS n FROM upload_feature WHERE upload_id = $1', [id], (r) => r.n)) === 0, { ms: 60_000, every: 100, retryErrors: true })
  } finally {
    await app.close()
  }
}, 600_000)
