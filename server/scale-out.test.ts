/** Two OneMap processes (server/main.ts in child processes, real HTTP servers) over one primary,
 * as behind a load balancer: a session ended through A is refused by B as soon as B has the
 * signal (LISTEN/NOTIFY, server/signals.ts), not after its session cache's few seconds; an edit
 * through A is in B's card at once and drops the tile B had cached; a queued job runs once between
 * the two; a process killed in the middle of an upload commit leaves nothing, and the other takes
 * the commit's job over and commits it once; a process killed while staging a received file has its
 * staging job taken over by the other, which reads the file from the shared upload folder. The tests wait for states (a signal counted in B's /api/health, a job's row), never for
 * a time. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from './auth'
import { createTestDatabase, type TestDatabase } from './test/db'
import { budget } from './test/budget'
import { killServer, signIn, startServer, stopServers, type ServerProcess as Proc } from './test/server-process'
import { Scenario } from './test/scenario'
import { parcelCollection } from './test/ingest-helpers'
import { pausedAt } from './test/paused'
import { multipart } from './test/upload-fixture'
import { listBackups } from './backup/manifest'

const PASSWORD = 'scale-out-password-1'
/** How far ahead of the start the backup slot is: both processes must be up before it (two starts
 * take ~15 s on an idle machine; this allows for a busy one). */
const BACKUP_LEAD_MS = 75_000
/** The advisory lock an upload commit waits for, written but not committed (ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK). */
const PAUSE_LOCK = 716_021
/** The advisory lock a staging job waits for, its features staged, before its checks (ONEMAP_UPLOAD_STAGE_PAUSE_LOCK). */
const STAGE_LOCK = 716_022

const procs: Proc[] = []
let t: TestDatabase
let parcelCode: string
let tile: { z: number; x: number; y: number }

const startProcess = async (name: string): Promise<Proc> => {
  const p = await startServer(name, {
    DATABASE_URL: t.url, ONEMAP_ADMIN_PASSWORD: 'scale-out-admin-1', ONEMAP_JOB_POLL_SECONDS: '1',
    ONEMAP_BACKUP_AT: backupAt, ONEMAP_BACKUP_DIR: backupDir,
    // a process killed mid-job is taken over within seconds; the upload commit waits for the test's lock
    ONEMAP_JOB_LEASE_SECONDS: '4', ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK: String(PAUSE_LOCK),
    // received files are kept in one folder all the processes see; a staging job waits for the test's lock
    ONEMAP_UPLOAD_DIR: uploadDir, ONEMAP_UPLOAD_STAGE_PAUSE_LOCK: String(STAGE_LOCK),
  })
  procs.push(p)
  return p
}

const signalsOf = async (p: Proc, kind: string): Promise<number> =>
  ((await (await fetch(`${p.base}/api/health`)).json()).signals?.receivedKinds?.[kind] ?? 0) as number

/** Until `p` has applied more messages of `kind` from the other process than `before`. */
async function untilSignal(p: Proc, kind: string, before: number): Promise<void> {
  while ((await signalsOf(p, kind)) <= before) await new Promise((r) => setTimeout(r, 25))
}

const login = (p: Proc, username: string) => signIn(p, username, PASSWORD)

/** The XYZ tile at zoom z holding a lon/lat point. */
function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z
  const x = Math.floor(((lon + 180) / 360) * n)
  const r = (lat * Math.PI) / 180
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)
  return { z, x, y }
}

let a: Proc
let b: Proc
/** The scheduled backup's slot in both processes: far enough ahead for both to have started. */
let backupSlot: number
let backupAt: string
let backupDir: string
let uploadDir: string
let upAt = 0
/** HH:MM:SS in China Standard Time (ONEMAP_BACKUP_AT) of an instant. */
const cstTime = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(11, 19)

beforeAll(async () => {
  t = await createTestDatabase()
  const s = new Scenario(t.db, '410311')
  await s.ensureCounty()
  const cluster = await s.cluster({ rect: [0, 0, 2000, 2000] })
  const id = await s.parcel({ rect: [100, 100, 300, 300], cluster })
  const p = await t.db.one('SELECT code, ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT code, ST_Centroid(geom) AS c FROM parcel WHERE id = $1) x', [id])
  parcelCode = p.code
  tile = tileOf(p.lon, p.lat, 15)
  for (const [username, role] of [['editor', 'admin'], ['reader', 'analyst'], ['desktop', 'analyst'], ['officer', 'security']] as const) {
    await t.db.users.create({ username, display_name: username, role, county_scope: null, password_hash: await hashPassword(PASSWORD) })
  }
  backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-scale-backup-'))
  uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-scale-uploads-'))
  backupSlot = Math.ceil((Date.now() + BACKUP_LEAD_MS) / 1000) * 1000
  backupAt = cstTime(backupSlot)
  ;[a, b] = await Promise.all([startProcess('A'), startProcess('B')])
  upAt = Date.now()
}, budget(40_000)) // two server starts against a migrated database: ~15 s each on an idle machine
afterAll(async () => {
  await stopServers(procs)
  await t?.drop()
  if (backupDir) fs.rmSync(backupDir, { recursive: true, force: true })
  if (uploadDir) fs.rmSync(uploadDir, { recursive: true, force: true })
})

describe('two processes over one primary', () => {
  it('a logout through A is refused by B once B has the signal, though B had the session cached', async () => {
    const headers = await login(a, 'reader')
    expect((await fetch(`${b.base}/api/auth/me`, { headers })).status).toBe(200) // B caches it now
    const before = await signalsOf(b, 'session-revoked')
    expect((await fetch(`${a.base}/api/auth/logout`, { method: 'POST', headers })).status).toBe(204)
    await untilSignal(b, 'session-revoked', before)
    // within B's session cache time (5 s): only the signal can have dropped it
    expect((await fetch(`${b.base}/api/auth/me`, { headers })).status).toBe(401)
  }, budget(10_000))

  it('a personal token B had cached is refused by B once A revokes it, or deactivates its owner', async () => {
    const owner = await login(a, 'desktop')
    const make = async (name: string): Promise<{ id: number; token: string }> => {
      const res = await fetch(`${a.base}/api/tokens`, { method: 'POST', headers: { ...owner, 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
      expect(res.status, await res.clone().text()).toBe(201)
      return res.json()
    }
    const revoked = await make('办公室 QGIS')
    const kept = await make('家里 GDAL')
    const me = async (token: string) => (await fetch(`${b.base}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status
    // B caches both owners now (server/personal-tokens.ts, 5 s)
    expect(await me(revoked.token)).toBe(200)
    expect(await me(kept.token)).toBe(200)
    let before = await signalsOf(b, 'session-revoked')
    expect((await fetch(`${a.base}/api/tokens/${revoked.id}`, { method: 'DELETE', headers: owner })).status).toBe(204)
    await untilSignal(b, 'session-revoked', before)
    expect(await me(revoked.token)).toBe(401)
    expect(await me(kept.token)).toBe(200) // only that token
    // the security officer deactivates the owner through A: B drops the owner's cached tokens too
    const officer = await login(a, 'officer')
    before = await signalsOf(b, 'session-revoked')
    const off = await fetch(`${a.base}/api/users/desktop`, { method: 'PATCH', headers: { ...officer, 'content-type': 'application/json' }, body: JSON.stringify({ active: false }) })
    expect(off.status, await off.clone().text()).toBe(200)
    await untilSignal(b, 'session-revoked', before)
    expect(await me(kept.token)).toBe(401)
    expect((await fetch(`${b.base}/api/auth/me`, { headers: owner })).status).toBe(401) // and the session
  }, budget(10_000))

  it("an edit through A is in B's card at once, and drops the tile B had cached", async () => {
    const editor = await login(a, 'editor')
    const reader = await login(b, 'reader')
    const url = `${b.base}/tiles/parcels/${tile.z}/${tile.x}/${tile.y}.mvt`
    const first = await fetch(url, { headers: reader })
    expect(first.status).toBe(200)
    const etag = first.headers.get('etag')
    const again = await fetch(url, { headers: reader })
    expect(again.headers.get('etag')).toBe(etag) // from B's cache
    const card = await fetch(`${a.base}/api/parcels/${encodeURIComponent(parcelCode)}`, { headers: editor })
    const before = await signalsOf(b, 'event-logged')
    const edit = await fetch(`${a.base}/api/parcels/${encodeURIComponent(parcelCode)}`, {
      method: 'PATCH', headers: { ...editor, 'content-type': 'application/json', 'if-match': card.headers.get('etag')! },
      body: JSON.stringify({ owner_name: '洛阳新权利人有限公司', note: '两进程测试' }),
    })
    expect(edit.status, await edit.clone().text()).toBe(200)
    // the card through B, at once: one primary, nothing to wait for
    const seen = await (await fetch(`${b.base}/api/parcels/${encodeURIComponent(parcelCode)}`, { headers: reader })).json()
    expect(seen.properties.owner_name).toBe('洛阳新权利人有限公司')
    await untilSignal(b, 'event-logged', before)
    // B reads the log on the signal and drops the tile; the next request encodes the edit
    let now = etag
    while (now === etag) now = (await fetch(url, { headers: reader })).headers.get('etag')
    expect(now).not.toBe(etag)
  }, budget(10_000))

  it('a queued job runs once between the two processes, and either reports it', async () => {
    const editor = await login(a, 'editor')
    const scansBefore = (await t.db.one("SELECT count(*)::int AS n FROM alert_scan WHERE trigger = 'schedule'")).n
    const ids: number[] = []
    for (let i = 0; i < 4; i++) {
      ids.push((await t.db.one("INSERT INTO job (kind) VALUES ('alert-scan') RETURNING id")).id)
    }
    await t.db.any("SELECT pg_notify('onemap_signal', '{\"o\":\"test\",\"m\":{\"kind\":\"job-queued\"}}')")
    while ((await t.db.one("SELECT count(*)::int AS n FROM job WHERE id = ANY($1) AND state = 'done'", [ids])).n < 4) {
      await new Promise((r) => setTimeout(r, 50))
    }
    const rows = await t.db.any('SELECT attempt, owner FROM job WHERE id = ANY($1)', [ids])
    expect(rows.every((r) => r.attempt === 1)).toBe(true)
    expect((await t.db.one("SELECT count(*)::int AS n FROM alert_scan WHERE trigger = 'schedule'")).n).toBe(scansBefore + 4)
    for (const p of [a, b]) {
      const job = await (await fetch(`${p.base}/api/jobs/${ids[0]}`, { headers: editor })).json()
      expect(job).toMatchObject({ id: ids[0], state: 'done', attempt: 1 })
    }
  }, budget(10_000))

  it('a file uploaded and checked through A is committed through B: the staging is in the database', async () => {
    const editor = await login(a, 'editor')
    const rows = [1, 2, 3].map((i) => ({ 宗地编号: `SCALE-${i}`, 土地用途: '工业用地' }))
    const body = multipart({ layer: 'parcels' }, { name: 'three.geojson', data: Buffer.from(JSON.stringify(parcelCollection(rows))) })
    const created = await fetch(`${a.base}/api/uploads`, { method: 'POST', headers: { ...body.headers, ...editor }, body: body.payload })
    expect(created.status, await created.clone().text()).toBe(201)
    const { id } = await created.json()
    let status = ''
    while (status !== 'ready') {
      const u = await (await fetch(`${a.base}/api/uploads/${id}`, { headers: editor })).json()
      if (u.status === 'failed') throw new Error(JSON.stringify(u))
      status = u.status
    }
    // B reads the report and commits: it never saw the file
    const seen = await (await fetch(`${b.base}/api/uploads/${id}`, { headers: editor })).json()
    // the squares lie in no cluster of this database: three warnings, accepted at the commit
    expect(seen.report).toMatchObject({ featureCount: 3, accepted: 3, errors: 0, warnings: 3 })
    const commit = await fetch(`${b.base}/api/uploads/${id}/commit`, {
      method: 'POST', headers: { ...editor, 'content-type': 'application/json' }, body: JSON.stringify({ acceptWarnings: true }),
    })
    expect(commit.status, await commit.clone().text()).toBeLessThan(300)
    while ((await (await fetch(`${b.base}/api/uploads/${id}`, { headers: editor })).json()).status !== 'committed') {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect((await t.db.any("SELECT code FROM parcel WHERE code LIKE 'SCALE-%' ORDER BY code")).map((r) => r.code)).toEqual(['SCALE-1', 'SCALE-2', 'SCALE-3'])
  }, budget(10_000))

  it('one scheduled backup slot makes one backup: both processes queue it, one of them makes it', async () => {
    expect(upAt, 'both processes were up before the backup slot (the machine was too busy to start them in time)').toBeLessThan(backupSlot)
    const key = `backup@${new Date(backupSlot).toISOString()}`
    let job: { state: string } | null = null
    while (!job || !['done', 'failed'].includes(job.state)) {
      await new Promise((r) => setTimeout(r, 200))
      job = await t.db.oneOrNone('SELECT state FROM job WHERE dedupe_key = $1', [key])
    }
    // both timers fired at the slot (it is past, and the backup took longer than their few ms apart)
    expect(Date.now()).toBeGreaterThan(backupSlot)
    const rows = await t.db.any("SELECT dedupe_key, state, attempt, result->>'name' AS name FROM job WHERE kind = 'backup'")
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ dedupe_key: key, state: 'done', attempt: 1 })
    const backups = await listBackups(backupDir)
    expect(backups.map((x) => path.basename(x.folder))).toEqual([rows[0].name])
    // either process reports it done from the job table
    const editor = await login(b, 'editor')
    const seen = await (await fetch(`${a.base}/api/jobs?state=done`, { headers: editor })).json()
    expect(seen.filter((j: { kind: string }) => j.kind === 'backup')).toMatchObject([{ kind_name: '数据备份', state: 'done' }])
  }, BACKUP_LEAD_MS + budget(20_000)) // the wait for the slot, then a backup of a small database
  // Last: it kills A.
  it('the process running an upload commit is killed mid-commit: nothing of it stays, and the other process commits it once', async () => {
    const editor = await login(a, 'editor')
    const rows = Array.from({ length: 20 }, (_, i) => ({ 宗地编号: `SO-KILL-${i}`, 土地用途: '工业用地' }))
    // along the diagonal of the upload above (parcelCollection's default), past its three squares
    const place = (i: number): [number, number] => [112.4 + (i + 5) * 0.002, 34.6 + (i + 5) * 0.001]
    const body = multipart({ layer: 'parcels' }, { name: 'twenty.geojson', data: Buffer.from(JSON.stringify(parcelCollection(rows, place))) })
    const created = await fetch(`${a.base}/api/uploads`, { method: 'POST', headers: { ...body.headers, ...editor }, body: body.payload })
    expect(created.status, await created.clone().text()).toBe(201)
    const { id, report } = await created.json()
    expect(report).toMatchObject({ featureCount: 20, accepted: 20, errors: 0 })
    const parcels = () => t.db.one("SELECT count(*)::int AS n FROM parcel WHERE code LIKE 'SO-KILL-%'", [], (r) => r.n)

    // The test holds the lock the commit waits for once it has written the parcels (not committed).
    // A runs the commit in the request (a small upload: the foreground), as a job of the table
    const commit = () => fetch(`${a.base}/api/uploads/${id}/commit`, {
      method: 'POST', headers: { ...editor, 'content-type': 'application/json' }, body: JSON.stringify({ acceptWarnings: true }),
    }).then((r) => r.status, () => 'connection lost')
    await pausedAt(t.db, PAUSE_LOCK, commit, async (answer) => {
      const job = await t.db.one("SELECT id, state, attempt FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'commit'", [id])
      expect(job).toMatchObject({ state: 'running', attempt: 1 })
      expect(await t.db.one('SELECT status FROM upload WHERE id = $1', [id], (r) => r.status)).toBe('committing')
      expect(await parcels()).toBe(0) // written in A's transaction, not committed
      await killServer(a, 'SIGKILL')
      expect(await answer).toBe('connection lost')
    })
    // A's backend got the lock, found its client gone and rolled the commit back
    // B takes the job over once A's lease has run out, and commits the upload whole
    let u: Record<string, unknown>
    for (;;) {
      u = await (await fetch(`${b.base}/api/uploads/${id}`, { headers: editor })).json()
      if (u.status !== 'committing') break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(u).toMatchObject({ status: 'committed', result: { inserted: 20, updated: 0, unchanged: 0 } })
    expect(await parcels()).toBe(20)
    // once: one insert event per parcel, naming the upload
    expect(await t.db.one(`SELECT count(*)::int AS n FROM event_log e JOIN parcel p ON p.id = e.parcel_id
      WHERE p.code LIKE 'SO-KILL-%' AND e.action = 'insert' AND e.note = $1`, [`upload ${id}`], (r) => r.n)).toBe(20)
    const jobs = await t.db.any("SELECT id, payload->>'step' AS step FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 ORDER BY id", [id])
    const commitJob = jobs.find((j) => j.step === 'commit')!
    // B reports the job from the table: done at its second attempt
    expect(await (await fetch(`${b.base}/api/jobs/${commitJob.id}`, { headers: editor })).json()).toMatchObject({ state: 'done', attempt: 2 })
    // and what follows the commit (its own job, queued with it) drops the staging
    while ((await t.db.one('SELECT count(*)::int AS n FROM upload_feature WHERE upload_id = $1', [id], (r) => r.n)) > 0) {
      await new Promise((r) => setTimeout(r, 100))
    }
  }, budget(30_000))

  // After the commit test (A is dead): a third process C stages, and is killed.
  it('the process staging a received file is killed: the other stages it from the start, to the report of an undisturbed staging, no feature twice', async () => {
    const c = await startProcess('C')
    const editor = await login(c, 'editor')
    // twelve squares past the uploads above, the last two with one code: an error in the report
    const rows = Array.from({ length: 12 }, (_, i) => ({ 宗地编号: `SO-STAGE-${Math.min(i, 10)}`, 土地用途: '工业用地' }))
    const place = (i: number): [number, number] => [112.4 + (i + 40) * 0.002, 34.6 + (i + 40) * 0.001]
    const file = Buffer.from(JSON.stringify(parcelCollection(rows, place)))
    const post = (p: Proc) => {
      const body = multipart({ layer: 'parcels' }, { name: 'stage.geojson', data: file })
      return fetch(`${p.base}/api/uploads`, { method: 'POST', headers: { ...body.headers, ...editor }, body: body.payload })
    }
    const staged = (id: string) => t.db.one('SELECT count(*)::int AS n, count(DISTINCT idx)::int AS idx FROM upload_feature WHERE upload_id = $1', [id])

    // The test holds the lock the staging job waits for once its features are staged (committed).
    let job!: { id: number; upload: string }
    // C stages in the request (a small upload: the foreground), as a job of the table
    await pausedAt(t.db, STAGE_LOCK, () => post(c).then((r) => r.status, () => 'connection lost'), async (answer) => {
      job = await t.db.one("SELECT id, payload->>'upload' AS upload FROM job WHERE kind = 'upload' AND payload->>'step' = 'stage' AND state = 'running'")
      expect(await t.db.one('SELECT attempt FROM job WHERE id = $1', [job.id], (r) => r.attempt)).toBe(1)
      expect(await t.db.one('SELECT status FROM upload WHERE id = $1', [job.upload], (r) => r.status)).toBe('validating')
      // this attempt's staging is committed: what a dead process leaves for the next attempt
      expect(await staged(job.upload)).toEqual({ n: 12, idx: 12 })
      await killServer(c, 'SIGKILL')
      expect(await answer).toBe('connection lost')
    })
    // B takes the job over once C's lease has run out, reads the file C received from the shared
    // folder, stages it again from the start and checks it
    let u: { status: string; report: Record<string, unknown> | null }
    for (;;) {
      u = await (await fetch(`${b.base}/api/uploads/${job.upload}`, { headers: editor })).json()
      if (u.status !== 'validating') break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(u.status).toBe('ready')
    expect(await (await fetch(`${b.base}/api/jobs/${job.id}`, { headers: editor })).json()).toMatchObject({ state: 'done', attempt: 2 })
    expect(await staged(job.upload)).toEqual({ n: 12, idx: 12 })

    // the same file staged undisturbed, through B: the same report
    const again = await post(b)
    expect(again.status, await again.clone().text()).toBe(201)
    const undisturbed = (await again.json()).report as Record<string, unknown>
    const comparable = (r: Record<string, unknown>) => {
      const { sameFile: _, ...rest } = r
      return rest
    }
    expect(undisturbed).toMatchObject({ featureCount: 12, accepted: 10, errors: 2 })
    expect(comparable(u.report!)).toEqual(comparable(undisturbed))
    // the received files are gone from the shared folder, C's removed by B once its job ended
    while (fs.readdirSync(uploadDir).length > 0) await new Promise((r) => setTimeout(r, 50))
  }, budget(40_000)) // a third server start, a lease to run out, two small stagings
})
