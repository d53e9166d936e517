/** Whether backups are being made: the last attempt (last-run.json in the backup folder, written by
 * every run, from the server or the command line) and the newest complete backup of this database.
 * A missed backup (none for ONEMAP_BACKUP_ALERT_HOURS) or a failed last run is a system notice for
 * admins, not a patrol alert: alerts are land findings routed to inspectors by county. */
import fsp from 'node:fs/promises'
import path from 'node:path'
import { listBackups, type ListedBackup } from './manifest'

export const LAST_RUN = 'last-run.json'

export interface LastRun { at: string; ok: boolean; name: string | null; seconds: number; bytes: number; error: string | null }

export async function writeLastRun(dir: string, run: LastRun): Promise<void> {
  const tmp = path.join(dir, `.${LAST_RUN}.${process.pid}.tmp`)
  await fsp.writeFile(tmp, JSON.stringify(run) + '\n', { mode: 0o640 })
  await fsp.rename(tmp, path.join(dir, LAST_RUN))
}

export async function readLastRun(dir: string): Promise<LastRun | null> {
  try {
    return JSON.parse(await fsp.readFile(path.join(dir, LAST_RUN), 'utf8')) as LastRun
  } catch {
    return null
  }
}

export interface DatabaseIdentity { systemIdentifier: string; name: string }

export const sameDatabase = (b: ListedBackup, id: DatabaseIdentity) =>
  b.manifest.database.name === id.name && b.manifest.database.systemIdentifier === id.systemIdentifier

export type BackupState = 'ok' | 'none' | 'missed' | 'failed'

export interface BackupStatus {
  state: BackupState
  /** the daily time of the scheduled backup (China Standard Time), null: none */
  schedule: string | null
  /** the last attempt, from the server or the command line */
  lastRun: { at: string; ok: boolean } | null
  /** the newest complete backup of this database */
  lastBackup: { at: string; name: string; schemaVersion: string } | null
  alertHours: number
  /** for admins only: why the last run failed */
  error: string | null
}

export interface Notice { code: 'backup_missed' | 'backup_failed'; message: string }

/** Backup state from what is on disk, cached until the backup folder changes (a backup or a
 * last-run.json is renamed into it), so that /api/health costs one stat. */
export class BackupMonitor {
  private cache: { mtimeMs: number; lastRun: LastRun | null; newest: ListedBackup | null } | null = null

  constructor(private o: { dir: string; schedule: string | null; alertHours: number; identity: DatabaseIdentity; since: Date }) {}

  async status(now = new Date()): Promise<BackupStatus> {
    let mtimeMs = -1
    try {
      mtimeMs = (await fsp.stat(this.o.dir)).mtimeMs
    } catch { /* no folder yet */ }
    if (!this.cache || this.cache.mtimeMs !== mtimeMs) {
      const newest = (await listBackups(this.o.dir)).find((b) => sameDatabase(b, this.o.identity)) ?? null
      this.cache = { mtimeMs, lastRun: await readLastRun(this.o.dir), newest }
    }
    const { lastRun, newest } = this.cache
    const lastBackup = newest ? { at: newest.manifest.createdAt, name: newest.manifest.name, schemaVersion: newest.manifest.schemaVersion } : null
    const failed = lastRun && !lastRun.ok && (!lastBackup || lastRun.at > lastBackup.at)
    const since = lastBackup ? new Date(lastBackup.at) : this.o.since
    const overdue = this.o.alertHours > 0 && now.getTime() - since.getTime() > this.o.alertHours * 3_600_000
    const state: BackupState = failed ? 'failed' : overdue ? 'missed' : lastBackup ? 'ok' : 'none'
    return {
      state, schedule: this.o.schedule, alertHours: this.o.alertHours,
      lastRun: lastRun ? { at: lastRun.at, ok: lastRun.ok } : null, lastBackup,
      error: failed ? lastRun!.error : null,
    }
  }

  async notices(now = new Date()): Promise<Notice[]> {
    const s = await this.status(now)
    const last = s.lastBackup ? `最近一次成功备份 the last good backup: ${s.lastBackup.at}` : '尚无备份 no backup yet'
    if (s.state === 'failed') return [{ code: 'backup_failed', message: `备份失败 the last backup failed (${s.lastRun!.at}): ${s.error}; ${last}` }]
    if (s.state === 'missed') return [{ code: 'backup_missed', message: `已超过 ${s.alertHours} 小时没有成功的备份 no backup for more than ${s.alertHours} h; ${last}. Run npm run backup` }]
    return []
  }
}
