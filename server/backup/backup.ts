/** Makes one backup (数据备份): the database part, then the field photos, then the manifest, in a
 * hidden folder renamed to its final name once all is written and fsynced; then keeps the newest
 * ONEMAP_BACKUP_KEEP. Photos are copied after the database: a photo's file is written before its
 * row is committed and never removed, so every photo the database part names is in the copy. */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import type { BackupSettings } from '../config'
import { dumpServer, pgliteExclusions, snapshotPglite, type DatabaseInfo } from './database'
import { fsyncTree, listFiles, packFiles } from './files'
import { backupName, fsyncPath, hashFile, listBackups, writeManifest, type BackupMode, type BackupPart, type Manifest, FORMAT } from './manifest'
import { Phase, type OnProgress } from './progress'
import { writeLastRun } from './status'

const VERSION = (JSON.parse(fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as { version: string }).version
const PARTIAL = /^\.partial-(\d+)-onemap-/

export type BackupSource =
  | { mode: 'embedded'; pg: PGlite; dataDir: string; exclusive: <T>(fn: () => Promise<T>) => Promise<T> }
  | { mode: 'server'; url: string }

export interface BackupTargets {
  backup: BackupSettings
  /** field photos (ONEMAP_PHOTO_DIR) */
  photoDir: string
  /** folders to leave out of an embedded data folder's copy when they lie inside it */
  alsoInsideDataDir: string[]
}

export interface BackupResult {
  name: string
  folder: string
  createdAt: string
  bytes: number
  seconds: number
  /** embedded: how long the database was held for the copy */
  pausedMs: number | null
  schemaVersion: string
  dataVersion: number
  parts: BackupPart[]
  removed: string[]
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes what killed backups left (their process is gone). */
async function removeLeftovers(dir: string): Promise<void> {
  for (const n of await fsp.readdir(dir)) {
    const pid = PARTIAL.exec(n)?.[1]
    if (pid && Number(pid) !== process.pid && !alive(Number(pid))) await fsp.rm(path.join(dir, n), { recursive: true, force: true })
  }
}

export async function createBackup(source: BackupSource, targets: BackupTargets, on: OnProgress): Promise<BackupResult> {
  const t0 = Date.now()
  const dir = targets.backup.dir
  const createdAt = new Date()
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o750 })
    await removeLeftovers(dir)
    const result = await build(source, targets, on, createdAt)
    await writeLastRun(dir, { at: createdAt.toISOString(), ok: true, name: result.name, seconds: result.seconds, bytes: result.bytes, error: null })
    return result
  } catch (e) {
    await writeLastRun(dir, { at: createdAt.toISOString(), ok: false, name: null, seconds: (Date.now() - t0) / 1000, bytes: 0, error: (e as Error).message })
      .catch(() => undefined)
    throw e
  }
}

async function build(source: BackupSource, targets: BackupTargets, on: OnProgress, createdAt: Date): Promise<BackupResult> {
  const t0 = Date.now()
  const dir = targets.backup.dir
  const mode: BackupMode = source.mode
  const name = backupName(mode, createdAt, dir)
  const partial = path.join(dir, `.partial-${process.pid}-${name}`)
  await fsp.mkdir(partial, { mode: 0o750 })
  try {
    const parts: BackupPart[] = []
    let info: DatabaseInfo
    let pausedMs: number | null = null
    let consistency: string
    if (source.mode === 'embedded') {
      const staging = path.join(partial, 'staging')
      const exclude = pgliteExclusions(source.dataDir, [...targets.alsoInsideDataDir, dir])
      const listed = await listFiles(source.dataDir, (rel) => exclude(rel))
      const copy = new Phase(on, 'copy', '复制数据库 copying the database (server held)', listed.bytes)
      const snap = await snapshotPglite(source.pg, source.exclusive, source.dataDir, staging, exclude, (n) => copy.add(n))
      copy.finish()
      info = snap.info
      pausedMs = snap.pausedMs
      const pack = new Phase(on, 'database', '压缩数据库 compressing the database', snap.bytes)
      const packed = await packFiles(staging, await listFiles(staging), path.join(partial, 'database.tar.gz'), (n) => pack.add(n))
      pack.finish()
      await fsp.rm(staging, { recursive: true, force: true })
      parts.push({ name: 'database.tar.gz', kind: 'pglite-data', bytes: packed.bytes, sha256: packed.sha256, files: snap.files, contentBytes: snap.bytes })
      consistency = 'PGlite data folder copied under the instance lock, outside any transaction, after a CHECKPOINT'
    } else {
      const phase = new Phase(on, 'database', 'pg_dump 导出数据库 dumping the database (tables)', 1, 'items')
      const target = path.join(partial, 'database.pgdump')
      const dump = await dumpServer(source.url, target, targets.backup.pgBin, (done, total) => {
        on({ type: 'progress', phase: 'database', done, total })
      })
      phase.finish()
      await fsyncPath(target)
      const { sha256, bytes } = await hashFile(target)
      info = dump.info
      parts.push({ name: 'database.pgdump', kind: 'pg-dump', bytes, sha256, files: dump.tables, contentBytes: bytes })
      consistency = 'pg_dump --format=custom from one exported REPEATABLE READ snapshot'
    }
    await fsp.mkdir(targets.photoDir, { recursive: true })
    const photos = await listFiles(targets.photoDir, (rel, isDir) => !isDir && rel.endsWith('.tmp'))
    const photoPhase = new Phase(on, 'photos', `照片 field photos (${photos.files.length} files)`, photos.bytes)
    const packed = await packFiles(targets.photoDir, photos, path.join(partial, 'photos.tar.gz'), (n) => photoPhase.add(n))
    photoPhase.finish()
    parts.push({ name: 'photos.tar.gz', kind: 'photos', bytes: packed.bytes, sha256: packed.sha256, files: photos.files.length, contentBytes: photos.bytes })

    const manifest: Manifest = {
      format: FORMAT, name, mode, createdAt: createdAt.toISOString(), finishedAt: new Date().toISOString(),
      onemapVersion: VERSION, schemaVersion: info.schemaVersion, migrations: info.migrations,
      database: { systemIdentifier: info.systemIdentifier, name: info.name, serverVersion: info.serverVersion },
      dataVersion: info.dataVersion, consistency, parts,
    }
    await writeManifest(partial, manifest)
    await fsyncTree(partial)
    const folder = path.join(dir, name)
    await fsp.rename(partial, folder)
    await fsyncPath(dir)
    const removed = await prune(dir, targets.backup.keep)
    const bytes = parts.reduce((s, p) => s + p.bytes, 0)
    on({ type: 'note', message: `备份完成 backup written: ${folder}` })
    return {
      name, folder, createdAt: manifest.createdAt, bytes, seconds: (Date.now() - t0) / 1000, pausedMs,
      schemaVersion: info.schemaVersion, dataVersion: info.dataVersion, parts, removed,
    }
  } catch (e) {
    await fsp.rm(partial, { recursive: true, force: true }).catch(() => undefined)
    throw e
  }
}

/** Keeps the newest `keep` complete backups; only folders with a valid manifest are ever removed. */
async function prune(dir: string, keep: number): Promise<string[]> {
  const all = await listBackups(dir)
  const removed: string[] = []
  for (const b of all.slice(keep)) {
    await fsp.rm(b.folder, { recursive: true, force: true })
    removed.push(b.manifest.name)
  }
  return removed
}
