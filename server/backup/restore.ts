/** Restores a backup (数据恢复) into a fresh data folder (embedded) or database (server): every
 * checksum is checked first and a damaged backup is refused naming the part; a data folder,
 * database or photo folder in use is refused unless `force`, and then what was there is moved
 * aside (a folder) or dropped and re-created (a database), never merged. The restored database is
 * opened and checked (schema version, every photo's file) before it is put in place. */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { lockHolder } from '../db/data-lock'
import { openPglite } from '../db/embedded'
import { pgp } from '../db/pgp'
import { photoPath, sha256 as sha256Of, type PhotoType } from '../alerts/photos'
import { restoreServer, userTables } from './database'
import { fsyncTree, listFiles, unpack } from './files'
import { BackupRefused, fsyncPath, readManifest, verifyParts, type Manifest } from './manifest'
import { Phase, type OnProgress } from './progress'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const RESTORED_SQL = fs.readFileSync(path.join(HERE, 'restored.sql'), 'utf8')
const STAGING_LOST_SQL = fs.readFileSync(path.join(HERE, 'staging-lost.sql'), 'utf8')

export interface RestoreTargets {
  databaseUrl: string | null
  dataDir: string
  photoDir: string
  pgBin: string | null
}

export interface Restored {
  schemaVersion: string
  dataVersion: number
  parcels: number
  events: number
  uploads: number
  photos: number
}

export interface RestoreResult extends Restored {
  backup: string
  seconds: number
  target: string
  /** what was there before, kept under another name (force) */
  movedAside: string[]
  /** uploads that were waiting for commit: marked failed, to be sent again */
  uploadsToResend: number
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')
const exists = (p: string) => fs.existsSync(p)
const isInside = (child: string, parent: string) => {
  const r = path.relative(parent, child)
  return r !== '' && !r.startsWith('..') && !path.isAbsolute(r)
}

/** Checks the manifest and every part's SHA-256; returns the manifest. */
export async function checkBackup(folder: string, on: OnProgress): Promise<Manifest> {
  const m = await readManifest(folder)
  const phase = new Phase(on, 'verify', `校验 checking ${m.name} (SHA-256 of ${m.parts.length} parts)`, m.parts.reduce((s, p) => s + p.bytes, 0))
  await verifyParts(folder, m, (n) => phase.add(n))
  phase.finish()
  return m
}

export async function restoreBackup(folder: string, targets: RestoreTargets, opts: { force: boolean }, on: OnProgress): Promise<RestoreResult> {
  const t0 = Date.now()
  const dir = path.resolve(folder)
  const m = await checkBackup(dir, on)
  if (m.mode === 'embedded' && targets.databaseUrl) {
    throw new BackupRefused(`${m.name} is a copy of an embedded (PGlite) data folder; it restores only into a data folder: unset DATABASE_URL and set ONEMAP_DATA_DIR`)
  }
  if (m.mode === 'server' && !targets.databaseUrl) {
    throw new BackupRefused(`${m.name} is a pg_dump of a PostgreSQL database; set DATABASE_URL to the database to restore it into`)
  }
  const photoDir = path.resolve(targets.photoDir)
  const photosInData = isInside(photoDir, path.resolve(targets.dataDir))
  // Every refusal before anything is touched.
  const photosInUse = !photosInData || m.mode === 'server' ? (await listFiles(photoDir)).files.length > 0 : false
  if (photosInUse && !opts.force) throw new BackupRefused(`the photo folder ${photoDir} is not empty; restore into an empty one, or add --force to move it aside`)

  const movedAside: string[] = []
  const moveAside = async (p: string) => {
    const aside = `${p}.before-restore-${stamp()}`
    await fsp.rename(p, aside)
    movedAside.push(aside)
  }
  let restored: Restored & { uploadsToResend: number }
  let target: string
  let photoRows: PhotoRow[]
  if (m.mode === 'embedded') {
    const dataDir = path.resolve(targets.dataDir)
    target = dataDir
    // the data folder's lock (server/db/data-lock.ts) names whoever uses it: the server, the import CLI, a backup
    const holder = lockHolder(dataDir)
    if (holder) {
      throw new BackupRefused(holder.purpose === 'server'
        ? `a OneMap server is running on ${dataDir} (pid ${holder.pid}, since ${holder.since}): stop it before restoring (--force does not change this)`
        : `a OneMap ${holder.purpose} process (pid ${holder.pid}, since ${holder.since}) is using ${dataDir}: let it finish before restoring (--force does not change this)`)
    }
    const inUse = exists(dataDir) && (await fsp.readdir(dataDir)).length > 0
    if (inUse && !opts.force) throw new BackupRefused(`the data folder ${dataDir} is not empty; restore into an empty one (ONEMAP_DATA_DIR), or add --force to move it aside`)
    const work = `${dataDir}.restoring-${process.pid}`
    await fsp.rm(work, { recursive: true, force: true })
    try {
      const part = m.parts.find((p) => p.kind === 'pglite-data')!
      const phase = new Phase(on, 'database', '解压数据库 unpacking the database', part.bytes)
      await unpack(path.join(dir, part.name), work, (n) => phase.add(n))
      phase.finish()
      on({ type: 'note', message: '打开并检查 opening the restored database (PostgreSQL replays its log)…' })
      const pg = await openPglite(work)
      try {
        const moved = await pg.query<{ n: number }>(`WITH f AS (${STAGING_LOST_SQL} RETURNING 1) SELECT count(*)::int AS n FROM f`)
        const row = (await pg.query<Record<string, unknown>>(RESTORED_SQL)).rows[0]
        restored = { ...toRestored(row), uploadsToResend: moved.rows[0].n }
        checkSchema(m, restored)
        photoRows = JSON.parse(String(row.photo_files)) as PhotoRow[]
      } finally {
        await pg.close()
      }
      await fsyncTree(work)
      if (inUse) await moveAside(dataDir)
      else if (exists(dataDir)) await fsp.rmdir(dataDir)
      await fsp.rename(work, dataDir)
      await fsyncPath(path.dirname(dataDir))
    } catch (e) {
      await fsp.rm(work, { recursive: true, force: true }).catch(() => undefined)
      throw e
    }
  } else {
    const url = targets.databaseUrl!
    const u = new URL(url)
    target = `${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}`
    const dbName = decodeURIComponent(u.pathname.slice(1))
    const tables = await userTables(url).catch((e: { code?: string }) => {
      if (e.code === '3D000') return -1 // no such database: made below
      throw e
    })
    if (tables > 0 && !opts.force) throw new BackupRefused(`the database ${target} has ${tables} tables; restore into an empty database, or add --force to drop and re-create it`)
    if (tables !== 0) {
      const maintenance = new URL(url)
      maintenance.pathname = '/postgres'
      const admin = pgp({ connectionString: maintenance.toString(), max: 1, application_name: 'onemap-restore' })
      try {
        if (tables > 0) await admin.none('DROP DATABASE $1:name WITH (FORCE)', [dbName])
        await admin.none('CREATE DATABASE $1:name', [dbName])
      } finally {
        await admin.$pool.end()
      }
      if (tables > 0) movedAside.push(`database ${dbName} dropped and re-created`)
    }
    const part = m.parts.find((p) => p.kind === 'pg-dump')!
    const phase = new Phase(on, 'database', 'pg_restore 恢复数据库 restoring the database (items)', 1, 'items')
    await restoreServer(url, path.join(dir, part.name), targets.pgBin, (done, total) => on({ type: 'progress', phase: 'database', done, total }))
    phase.finish()
    const db = pgp({ connectionString: url, max: 1, application_name: 'onemap-restore' })
    try {
      const row = await db.one(RESTORED_SQL) as Record<string, unknown>
      restored = { ...toRestored(row), uploadsToResend: 0 }
      checkSchema(m, restored)
      photoRows = JSON.parse(String(row.photo_files)) as PhotoRow[]
    } finally {
      await db.$pool.end()
    }
  }

  // Photos last: the folder is in place (or inside the data folder just put in place).
  const part = m.parts.find((p) => p.kind === 'photos')!
  // files found there now are kept aside, never deleted
  if (exists(photoDir) && (await listFiles(photoDir)).files.length > 0) await moveAside(photoDir)
  else if (exists(photoDir)) await fsp.rm(photoDir, { recursive: true })
  const work = `${photoDir}.restoring-${process.pid}`
  await fsp.rm(work, { recursive: true, force: true })
  const phase = new Phase(on, 'photos', `照片 field photos (${part.files} files)`, part.bytes)
  await unpack(path.join(dir, part.name), work, (n) => phase.add(n))
  phase.finish()
  await fsyncTree(work)
  await fsp.rename(work, photoDir)
  await fsyncPath(path.dirname(photoDir))
  await checkPhotoFiles(photoDir, photoRows)

  return { backup: m.name, seconds: (Date.now() - t0) / 1000, target, movedAside, ...restored }
}

function toRestored(row: Record<string, unknown>): Restored {
  return {
    schemaVersion: String(row.schema_version), dataVersion: Number(row.data_version), parcels: Number(row.parcels),
    events: Number(row.events), uploads: Number(row.uploads), photos: Number(row.photos),
  }
}

function checkSchema(m: Manifest, r: Restored): void {
  if (r.schemaVersion !== m.schemaVersion || r.dataVersion !== m.dataVersion) {
    throw new BackupRefused(`the restored database is at schema ${r.schemaVersion}, data version ${r.dataVersion}; the manifest says ${m.schemaVersion}, ${m.dataVersion}: nothing was put in place`)
  }
}

type PhotoRow = { sha256: string; media_type: PhotoType }

/** Every photo the database names is in the folder, with its SHA-256. */
async function checkPhotoFiles(photoDir: string, rows: PhotoRow[]): Promise<void> {
  for (const r of rows) {
    const file = photoPath(photoDir, r.sha256, r.media_type)
    let data: Buffer
    try {
      data = await fsp.readFile(file)
    } catch {
      throw new BackupRefused(`the restored database names photo ${r.sha256} but the backup has no file for it (${file})`)
    }
    if (sha256Of(data) !== r.sha256) throw new BackupRefused(`photo ${file} does not match its SHA-256`)
  }
}
