/** The chunked commit (migration 1080; README "The embedded database and concurrent users"): a
 * parcel upload of more features than ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES is written in chunks,
 * each a job of its own transaction that queues the next, and stays all-or-nothing. On a real
 * PostgreSQL and a real embedded PGlite, with chunks of 4 over 10 parcels (3 already stored: two
 * changed by the file, one the same):
 * - the commit writes every parcel once, in 3 jobs, with the counts one transaction gives (in the
 *   background, the job runner running the chunks; and in the foreground, 5 parcels in 2 chunks
 *   run by the request);
 * - a failure in the 3rd chunk leaves every live table as it was (rows, versions, geometry bit for
 *   bit; the event log keeps the writes and their undo), the upload ready again, and a second
 *   commit once the cause is gone writes it whole;
 * - a process that stops after the 1st chunk (its next job queued), or dies in the 2nd (its claim
 *   left running), has the commit taken over by the job runner and resumed to its end, each chunk
 *   once;
 * - a staging lost between chunks (a crash empties the unlogged table) fails the upload and undoes
 *   the chunk already written;
 * - the undo retires, rather than deletes, an inserted parcel someone has linked a record to;
 * - the analysis refresh after the commit is worked off (on PGlite in several settle jobs). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, type App } from '../../app'
import { hashPassword } from '../../auth'
import { loadConfig } from '../../config'
import { openDatabase } from '../../db/connect'
import type { Db } from '../../db/pgp'
import { createTestDatabase } from '../../test/db'
import { makeTempDir, parcelCollection, removeTempDirs, writeJson } from '../../test/ingest-helpers'
import { checkResponses } from '../../test/response-schemas'
import { LUOLONG, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'
import { until } from '../../test/until'

const ENV = {
  ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off', ONEMAP_TOTP_REQUIRED: 'false',
  // chunks of 4; past 5 features an upload is staged and committed in the background (the job runner)
  ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES: '4', ONEMAP_UPLOAD_BACKGROUND_FEATURES: '5', ONEMAP_JOB_LEASE_SECONDS: '2',
}
const PASSWORD = 'chunked-commit-pw-1'
const N = 10

interface Setup { app: App; db: Db; embedded: boolean; close(): Promise<void> }

async function onPostgres(): Promise<Setup> {
  const database = await createTestDatabase()
  const app = await buildApp({ config: loadConfig(ENV), database })
  return { app, db: database.db, embedded: false, close: async () => { await app.close(); await database.drop() } }
}

async function onPglite(): Promise<Setup> {
  const dataDir = mkdtempSync(join(tmpdir(), 'onemap-chunked-commit-'))
  const database = await openDatabase({ databaseUrl: null, dataDir })
  const app = await buildApp({ config: loadConfig(ENV), database })
  return {
    app, db: database.db, embedded: true,
    close: async () => { await app.close(); await database.close(); rmSync(dataDir, { recursive: true, force: true }) },
  }
}

/** Every stored column of every parcel, the geometry as its EWKB: equal means bit for bit. */
const parcels = (db: Db) => db.any(`SELECT code, county_code, cluster_code, land_use, stage, stated_area_m2, owner_name,
  encode(ST_AsEWKB(geom), 'hex') AS geom, version, retired_at, created_at, updated_at, id FROM parcel ORDER BY code`)

/** Row count and md5 of the sorted rows of every live table but the event log (append-only: it
 * keeps a failed commit's writes and their undo). */
async function fingerprint(db: Db): Promise<Record<string, string>> {
  const tables = ['parcel', 'approval_batch', 'supply_contract', 'cluster', 'plan_zone', 'alert', 'rs_change']
  const out: Record<string, string> = {}
  for (const t of tables) {
    const r = await db.one(`SELECT count(*)::int AS n, coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS h FROM $1:name x`, [t])
    out[t] = `${r.n}:${r.h}`
  }
  return out
}

const commitJobs = (db: Db, id: string) => db.any(`SELECT state, attempt, coalesce((payload->>'from')::int, 0) AS "from"
  FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'commit' ORDER BY id`, [id])

describe.each([['PostgreSQL', onPostgres], ['embedded PGlite', onPglite]] as const)('chunked commit on %s', (_name, open) => {
  let s: Setup
  let auth: { authorization: string }
  let dir: string
  let round = 0

  beforeAll(async () => {
    s = await open()
    checkResponses(s.app)
    await seedPlaces(s.db)
    // as a running service has it: today's analysis snapshot, which the commits must keep fresh
    await s.db.one('SELECT analysis.refresh_all(luoyang_today())')
    await s.db.users.create({ username: 'ana', display_name: 'ana', role: 'analyst', county_scope: [LUOLONG], password_hash: await hashPassword(PASSWORD) })
    const login = await s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ana', password: PASSWORD } })
    auth = { authorization: `Bearer ${login.json().token}` }
    dir = makeTempDir('onemap-chunked-')
  }, 180_000)

  afterAll(async () => {
    await s?.close()
    removeTempDirs()
  })

  const upload = (id: string) => s.db.one('SELECT status, error, result FROM upload WHERE id = $1', [id])

  /** n parcels of the round in 洛龙; parcels 1 and 6 (chunks 1 and 2) stored before with another
   * land use, parcel 2 stored before exactly as the file has it. Returns the upload's id, ready. */
  async function ready(prefix: string, n = N): Promise<string> {
    round++
    const rows = Array.from({ length: n }, (_, i) => ({ 宗地编号: `${prefix}-${String(i).padStart(3, '0')}`, 土地用途: '工业用地' }))
    const fc = parcelCollection(rows, (i) => [112.36 + i * 0.0015, 34.56 + round * 0.003])
    // in the 洛龙 cluster, as the commit places them (server/test/places.ts)
    const stored = (i: number, landUse: string) => i < n && s.db.none(`INSERT INTO parcel (code, county_code, cluster_code, land_use, geom)
      VALUES ($1, $2, 'luolong', $3, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($4), 4490)))`, [rows[i]!.宗地编号, LUOLONG, landUse, JSON.stringify(fc.features[i]!.geometry)])
    await stored(1, '仓储用地')
    await stored(6, '仓储用地')
    await stored(2, '工业用地')
    const body = multipart({ layer: 'parcels' }, uploadFile(writeJson(join(dir, `${prefix}.geojson`), fc)))
    const res = await s.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...auth } })
    expect([201, 202], res.body).toContain(res.statusCode)
    const id: string = res.json().id
    await until('the upload to be ready', async () => {
      const u = await upload(id)
      if (u.status === 'failed') throw new Error(JSON.stringify(u.error))
      return u.status === 'ready'
    }, { ms: 60_000 })
    const report = (await s.app.inject({ method: 'GET', url: `/api/uploads/${id}`, headers: auth })).json().report
    expect(report).toMatchObject({ featureCount: n, accepted: n, errors: 0 })
    return id
  }

  /** No upload job open (what follows an earlier commit, its analysis refresh, has ended). */
  const idle = () => until('the upload jobs to end', async () =>
    (await s.db.one("SELECT count(*)::int AS n FROM job WHERE kind = 'upload' AND state IN ('queued', 'running')", [], (r) => r.n)) === 0, { ms: 60_000 })

  const commit = (id: string) => s.app.inject({ method: 'POST', url: `/api/uploads/${id}/commit`, headers: auth, payload: { acceptWarnings: true } })
  /** The upload once its commit has ended (committed, or back to ready or failed). */
  const ended = (id: string) => until('the commit to end', async () => {
    const u = await upload(id)
    return u.status === 'committing' ? null : u
  }, { ms: 60_000 })

  it('writes every parcel once, a chunk of 4 at a time, each chunk a job (background)', async () => {
    const id = await ready('CH-A')
    const res = await commit(id)
    expect(res.statusCode, res.body).toBe(202)
    // 7 new, parcels 1 and 6 changed (land use), parcel 2 the same
    expect(await ended(id)).toEqual({ status: 'committed', error: null, result: { inserted: 7, updated: 2, unchanged: 1 } })
    expect(await commitJobs(s.db, id)).toEqual([
      { state: 'done', attempt: 1, from: 0 }, { state: 'done', attempt: 1, from: 4 }, { state: 'done', attempt: 1, from: 8 },
    ])
    const rows = await s.db.any("SELECT code, land_use, version FROM parcel WHERE code LIKE 'CH-A-%' ORDER BY code")
    expect(rows).toHaveLength(N)
    expect(rows.every((r) => r.land_use === '工业用地')).toBe(true)
    expect(rows.map((r) => r.version)).toEqual([1, 2, 1, 1, 1, 1, 2, 1, 1, 1])
    // the chunks' upload log: one entry per written parcel; nothing kept to undo any more
    expect(await s.db.one('SELECT count(*)::int AS n FROM event_log WHERE note = $1', [`upload ${id}`], (r) => r.n)).toBe(9)
    expect(await s.db.one('SELECT count(*)::int AS n FROM upload_commit_undo', [], (r) => r.n)).toBe(0)
  })

  it('in the foreground, the request runs the chunks and answers the counts', async () => {
    const id = await ready('CH-F', 5)
    const res = await commit(id)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ inserted: 3, updated: 1, unchanged: 1 })
    expect(await commitJobs(s.db, id)).toEqual([{ state: 'done', attempt: 1, from: 0 }, { state: 'done', attempt: 1, from: 4 }])
    expect((await upload(id)).status).toBe('committed')
  })

  it('a failure in the third chunk leaves every live table as it was, and the upload ready', async () => {
    const id = await ready('CH-B')
    await idle()
    const before = await fingerprint(s.db)
    const beforeRows = await parcels(s.db)
    // the 9th parcel (third chunk) is refused by the database when written
    await s.db.none(`CREATE FUNCTION test_refuse_ch_b() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test refuses %', NEW.code USING ERRCODE = 'check_violation'; END $$`)
    await s.db.none(`CREATE TRIGGER test_refuse_ch_b BEFORE INSERT ON parcel FOR EACH ROW
      WHEN (NEW.code = 'CH-B-008') EXECUTE FUNCTION test_refuse_ch_b()`)
    expect((await commit(id)).statusCode).toBe(202)
    const u = await ended(id)
    expect(u.status).toBe('ready')
    expect(u.error.code).toBe('upload_commit_refused')
    expect(u.error.message).toContain('CH-B-008')
    // two chunks had committed before the third failed: undone with the failure
    expect(await commitJobs(s.db, id)).toEqual([
      { state: 'done', attempt: 1, from: 0 }, { state: 'done', attempt: 1, from: 4 }, { state: 'failed', attempt: 1, from: 8 },
    ])
    expect(await fingerprint(s.db)).toEqual(before)
    expect(await parcels(s.db)).toEqual(beforeRows)
    // the event log keeps the two chunks' 7 writes (5 new, 2 changed) and their 7 undos
    const log = await s.db.any('SELECT note, action, count(*)::int AS n FROM event_log WHERE note IN ($1, $2) GROUP BY 1, 2 ORDER BY 1, 2',
      [`upload ${id}`, `undo upload ${id}`])
    expect(log).toEqual([
      { note: `undo upload ${id}`, action: 'delete', n: 5 }, { note: `undo upload ${id}`, action: 'update', n: 2 },
      { note: `upload ${id}`, action: 'insert', n: 5 }, { note: `upload ${id}`, action: 'update', n: 2 },
    ])
    expect(await s.db.one('SELECT count(*)::int AS n FROM upload_commit_undo', [], (r) => r.n)).toBe(0)

    // the cause gone, the same upload commits whole
    await s.db.none('DROP TRIGGER test_refuse_ch_b ON parcel')
    await s.db.none('DROP FUNCTION test_refuse_ch_b()')
    expect((await commit(id)).statusCode).toBe(202)
    expect(await ended(id)).toMatchObject({ status: 'committed', result: { inserted: 7, updated: 2, unchanged: 1 } })
    expect(await s.db.one("SELECT count(*)::int AS n FROM parcel WHERE code LIKE 'CH-B-%' AND land_use = '工业用地'", [], (r) => r.n)).toBe(N)
  })

  it('a process gone after the first chunk and one dead in the second: the commit is resumed to its end', async () => {
    const id = await ready('CH-C')
    await idle()
    // this process's runner stopped: the queued commit is run one chunk by hand, as by a process that then goes
    await s.app.jobs.stop()
    try {
      expect((await commit(id)).statusCode).toBe(202)
      const [first] = await commitJobs(s.db, id)
      expect(first).toMatchObject({ state: 'queued', from: 0 })
      const firstId = await s.db.one("SELECT id::int FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'commit'", [id], (r) => r.id)
      const step = await s.app.jobs.runById(firstId) as { next: number }
      // a second process claims the second chunk and dies in it: its claim stays, its writes never commit
      expect(await s.db.jobs.claimId(step.next, 'dead-process', ['upload'], 1000)).not.toBeNull()
      expect(await commitJobs(s.db, id)).toEqual([{ state: 'done', attempt: 1, from: 0 }, { state: 'running', attempt: 1, from: 4 }])
      // the first chunk is committed and seen: parcels 0–3 (1 changed, 2 the same)
      expect(await s.db.any("SELECT code FROM parcel WHERE code LIKE 'CH-C-%' AND land_use = '工业用地' ORDER BY code")).toEqual(
        ['CH-C-000', 'CH-C-001', 'CH-C-002', 'CH-C-003'].map((code) => ({ code })))
      expect((await upload(id)).status).toBe('committing')
    } finally {
      s.app.jobs.start()
    }
    // a runner takes the second chunk over once the dead claim's lease has run out, and goes on
    expect(await ended(id)).toEqual({ status: 'committed', error: null, result: { inserted: 7, updated: 2, unchanged: 1 } })
    expect(await commitJobs(s.db, id)).toEqual([
      { state: 'done', attempt: 1, from: 0 }, { state: 'done', attempt: 2, from: 4 }, { state: 'done', attempt: 1, from: 8 },
    ])
    expect(await s.db.one("SELECT count(*)::int AS n FROM parcel WHERE code LIKE 'CH-C-%' AND land_use = '工业用地'", [], (r) => r.n)).toBe(N)
    expect(await s.db.one('SELECT count(*)::int AS n FROM event_log WHERE note = $1', [`upload ${id}`], (r) => r.n)).toBe(9)
  })

  it('a staging lost between chunks (a database crash empties it): the chunk written is undone, the upload failed', async () => {
    const id = await ready('CH-D')
    await idle()
    const before = await fingerprint(s.db)
    await s.app.jobs.stop()
    try {
      expect((await commit(id)).statusCode).toBe(202)
      const firstId = await s.db.one("SELECT id::int FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'commit'", [id], (r) => r.id)
      await s.app.jobs.runById(firstId)
      expect(await s.db.one("SELECT count(*)::int AS n FROM parcel WHERE code LIKE 'CH-D-%' AND land_use = '工业用地'", [], (r) => r.n)).toBe(4)
      // what a crash does to the unlogged staging
      await s.db.none('DELETE FROM upload_feature WHERE upload_id = $1', [id])
    } finally {
      s.app.jobs.start()
    }
    const u = await ended(id)
    expect(u.status).toBe('failed')
    expect(u.error.code).toBe('upload_staging_lost')
    expect(await fingerprint(s.db)).toEqual(before)
    expect(await commitJobs(s.db, id)).toEqual([{ state: 'done', attempt: 1, from: 0 }, { state: 'failed', attempt: 1, from: 4 }])
  })

  it('the analysis refresh after a chunked commit is worked off, on the embedded database a slice per job', async () => {
    const id = await ready('CH-E', 40)
    expect((await commit(id)).statusCode).toBe(202)
    expect(await ended(id)).toMatchObject({ status: 'committed', result: { inserted: 37, updated: 2, unchanged: 1 } })
    await idle()
    expect(await s.db.one('SELECT count(*)::int AS n FROM analysis.pending_parcel', [], (r) => r.n)).toBe(0)
    const settles = await s.db.any("SELECT state FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'settle' ORDER BY id", [id])
    expect(settles.every((j) => j.state === 'done')).toBe(true)
    // 16 queued rows a job (4 × the chunk of 4) on the embedded database; one job on PostgreSQL
    if (s.embedded) expect(settles.length).toBeGreaterThan(1)
    else expect(settles).toHaveLength(1)
    // the refresh's end is recorded, and the upload shows committed again
    expect(await s.db.one('SELECT phase, settled_at IS NOT NULL AS settled FROM upload WHERE id = $1', [id])).toEqual({ phase: 'committed', settled: true })
  })

  it('a parcel a chunk inserted that someone flagged meanwhile is retired by the undo, not deleted', async () => {
    const id = await ready('CH-G')
    await idle()
    await s.app.jobs.stop()
    try {
      expect((await commit(id)).statusCode).toBe(202)
      const firstId = await s.db.one("SELECT id::int FROM job WHERE kind = 'upload' AND payload->>'upload' = $1 AND payload->>'step' = 'commit'", [id], (r) => r.id)
      await s.app.jobs.runById(firstId)
      // someone flags CH-G-000 (inserted by chunk 1) before chunk 2, which the database refuses
      await s.db.none(`INSERT INTO parcel_flag (parcel_id, county_code, kind, reason, set_by, set_on)
        SELECT id, county_code, 'other', '核查中', 'inspector', current_date FROM parcel WHERE code = 'CH-G-000'`)
      await s.db.none(`CREATE FUNCTION test_refuse_ch_g() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'test refuses %', NEW.code USING ERRCODE = 'check_violation'; END $$`)
      await s.db.none(`CREATE TRIGGER test_refuse_ch_g BEFORE INSERT ON parcel FOR EACH ROW
        WHEN (NEW.code = 'CH-G-005') EXECUTE FUNCTION test_refuse_ch_g()`)
    } finally {
      s.app.jobs.start()
    }
    try {
      expect((await ended(id)).status).toBe('ready')
    } finally {
      await s.db.none('DROP TRIGGER test_refuse_ch_g ON parcel')
      await s.db.none('DROP FUNCTION test_refuse_ch_g()')
    }
    const rows = await s.db.any("SELECT code, land_use, retired_reason FROM parcel WHERE code LIKE 'CH-G-%' ORDER BY code")
    // chunk 1 wrote 000 and 003 (new), 001 (changed), 002 (the same): 003 deleted, 001 restored, 000 retired
    expect(rows.map((r) => [r.code, r.land_use])).toEqual([['CH-G-000', '工业用地'], ['CH-G-001', '仓储用地'], ['CH-G-002', '工业用地'], ['CH-G-006', '仓储用地']])
    expect(rows[0].retired_reason).toContain(id)
    expect(rows.slice(1).every((r) => r.retired_reason === null)).toBe(true)
  })
})
