/** The upload sweep against a real PostgreSQL and a real upload folder: the file of an upload whose
 * staging job died at its last attempt is removed (and the upload fails with the job's reason), the
 * file of a live upload (its job queued, running, or to be taken over) is kept, an upload stuck in
 * validating with no job becomes failed with its reason, and anything touched within the grace
 * (a file being received, an upload being opened) or not named as a received file is left alone.
 * Ages are set on the rows and the files (backdated), never waited for. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test/app'
import { budget } from '../test/budget'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { RECEIVED_DIR_PREFIX, SWEEP_MESSAGES, UPLOAD_SWEEP, ownUploadFolder, sweepUploads } from './upload-sweep'

let t: TestDatabase
const dirs: string[] = []
const HOURS_2 = 2 * 3_600_000

beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => {
  await t?.drop()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

function uploadFolder(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-sweep-test-'))
  dirs.push(d)
  return d
}

/** A folder of a received file in `dir`, as the upload route makes it; backdated by `ageMs`. */
function received(dir: string, ageMs: number, prefix = RECEIVED_DIR_PREFIX): string {
  const folder = fs.mkdtempSync(path.join(dir, prefix))
  const file = path.join(folder, 'received')
  fs.writeFileSync(file, '{"type":"FeatureCollection","features":[]}')
  const at = new Date(Date.now() - ageMs)
  fs.utimesSync(file, at, at)
  fs.utimesSync(folder, at, at)
  return folder
}

/** An upload row in `status`, last touched `ageMs` ago. */
async function upload(status: string, ageMs: number): Promise<string> {
  return t.db.one(`INSERT INTO upload (layer, file_name, file_sha256, size_bytes, status, phase, created_by, created_at, updated_at)
    VALUES ('parcels', 'survey.geojson', repeat('a', 64), 42, $1, 'reading', 'ana', now() - make_interval(secs => $2 / 1000.0), now() - make_interval(secs => $2 / 1000.0))
    RETURNING id`, [status, ageMs], (r: { id: string }) => r.id)
}

/** A staging job of `uploadId` reading `folder`: queued, running under a live lease, or running
 * under a lease that ran out at attempt `attempt` of 3. */
async function stageJob(uploadId: string, folder: string, state: 'queued' | 'running' | 'expired', attempt = 1): Promise<number> {
  const payload = {
    step: 'stage', upload: uploadId, layer: 'parcels',
    file: { path: path.join(folder, 'received'), fileName: 'survey.geojson', dir: folder },
    abandoned: { code: 'upload_interrupted', message: '服务在处理该上传时停止 / the server stopped while handling this upload' },
  }
  if (state === 'queued') return t.db.one("INSERT INTO job (kind, payload) VALUES ('upload', $1) RETURNING id", [payload], (r: { id: number }) => Number(r.id))
  return t.db.one(`INSERT INTO job (kind, payload, state, attempt, owner, lease_until, started_at)
    VALUES ('upload', $1, 'running', $2, 'elsewhere:1:abc', now() + CASE WHEN $3 THEN interval '-1 minute' ELSE interval '1 hour' END, now())
    RETURNING id`, [payload, attempt, state === 'expired'], (r: { id: number }) => Number(r.id))
}

const statusOf = (id: string) => t.db.one('SELECT status, error FROM upload WHERE id = $1', [id])

describe('the upload sweep', () => {
  it('removes the file of a dead upload, keeps those of live ones, and fails an upload stuck with no job', async () => {
    const dir = uploadFolder()
    // died at its last attempt: the job is given up, the upload fails with it, its file is swept
    const dead = await upload('validating', HOURS_2)
    const deadFolder = received(dir, HOURS_2)
    const deadJob = await stageJob(dead, deadFolder, 'expired', 3)
    // live: queued; running here or elsewhere; its holder died with attempts left (taken over next)
    const live = await Promise.all([upload('validating', HOURS_2), upload('validating', HOURS_2), upload('validating', HOURS_2)])
    const liveFolders = live.map(() => received(dir, HOURS_2))
    await stageJob(live[0]!, liveFolders[0]!, 'queued')
    await stageJob(live[1]!, liveFolders[1]!, 'running')
    await stageJob(live[2]!, liveFolders[2]!, 'expired', 1)
    // its process died between the row and its job: failed with the reason
    const stuck = await upload('validating', HOURS_2)
    // being opened by a request right now (its job not yet made): left alone
    const opening = await upload('validating', 0)
    // a file no job names: received long ago (its upload long gone) → swept; being received now → kept
    const orphan = received(dir, HOURS_2)
    const receiving = received(dir, 0)
    // not a folder the upload route made: never touched, however old
    const other = received(dir, HOURS_2, 'someone-else-')

    const swept = await sweepUploads(t.db, dir)
    expect(swept.gaveUp).toBe(1)
    expect(swept.failedUploads).toBe(1)
    expect([...swept.removed].sort()).toEqual([deadFolder, orphan].sort())

    expect(fs.existsSync(deadFolder)).toBe(false)
    expect(fs.existsSync(orphan)).toBe(false)
    for (const kept of [...liveFolders, receiving, other]) expect(fs.existsSync(path.join(kept, 'received'))).toBe(true)

    expect(await t.db.one('SELECT state FROM job WHERE id = $1', [deadJob], (r: { state: string }) => r.state)).toBe('failed')
    expect(await statusOf(dead)).toMatchObject({ status: 'failed', error: { code: 'upload_interrupted' } })
    expect(await statusOf(stuck)).toEqual({ status: 'failed', error: { code: 'upload_interrupted', message: SWEEP_MESSAGES.stuck } })
    for (const id of [...live, opening]) expect((await statusOf(id)).status).toBe('validating')

    // a second sweep finds nothing more
    expect(await sweepUploads(t.db, dir)).toEqual({ gaveUp: 0, failedUploads: 0, removed: [] })
  }, budget(10_000))

  it('an upload folder that does not exist yet is nothing to sweep; the system temp folder is not swept', async () => {
    expect((await sweepUploads(t.db, path.join(uploadFolder(), 'not-made'))).removed).toEqual([])
    expect(ownUploadFolder(os.tmpdir())).toBeNull()
    expect(ownUploadFolder(`${os.tmpdir()}/`)).toBeNull()
    const own = uploadFolder()
    expect(ownUploadFolder(own)).toBe(own)
  })

  it("runs at a process's start on its job loop: a file a dead process left is gone once the app is up", async () => {
    const dir = uploadFolder()
    const orphan = received(dir, UPLOAD_SWEEP.graceMs + HOURS_2)
    const kept = received(dir, 0)
    let app: TestApp | null = null
    try {
      app = await createTestApp({ ONEMAP_UPLOAD_DIR: dir })
      await app.app.ready()
      while (fs.existsSync(orphan)) await new Promise((r) => setTimeout(r, 25))
      expect(fs.existsSync(kept)).toBe(true)
    } finally {
      await app?.close()
    }
  }, budget(30_000))
})
