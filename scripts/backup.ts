/** backup: one backup now, into ONEMAP_BACKUP_DIR (README "Backup and restore").
 *
 *   npm run backup [-- --json]
 *
 * With DATABASE_URL: pg_dump of that database, from this process. Embedded: the data folder's lock
 * names its user; the running server copies its own data folder (asked over its control socket);
 * with no one using it, this process takes the lock, opens the data folder and copies it; while the
 * import CLI holds it, the backup is refused. A bar on a terminal, plain lines otherwise, JSON lines with
 * --json (the last one is {"result": …}). Exits non-zero on any failure; nothing half-written is
 * left under a backup's name. */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import 'dotenv/config'
import { loadConfig } from '../server/config'
import { DataDirInUseError, type DataDirLock, lockDataDir } from '../server/db/data-lock'
import { openPglite } from '../server/db/embedded'
import { createBackup, type BackupResult, type BackupTargets } from '../server/backup/backup'
import { controlSocketPath, requestBackup } from '../server/backup/control'
import { type OnProgress, progressRenderer } from '../server/backup/progress'

const USAGE = 'usage: npm run backup [-- --json]'
class UsageError extends Error {}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`

/** The data folder's lock says who uses it (server/db/data-lock.ts): no one, and this process
 * takes it and copies the folder itself; the server, and it is asked over its control socket to
 * copy its own; anyone else (the import CLI), and the backup waits for another time. */
async function backupEmbedded(dataDir: string, targets: BackupTargets, on: OnProgress): Promise<BackupResult> {
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    throw new Error(`no embedded database in ${dataDir} (ONEMAP_DATA_DIR): nothing to back up`)
  }
  let lock: DataDirLock
  try {
    lock = lockDataDir(dataDir, 'backup')
  } catch (e) {
    if (!(e instanceof DataDirInUseError)) throw e
    const { holder } = e
    if (holder.purpose !== 'server') {
      throw new Error(`the data folder ${dataDir} is in use by OneMap ${holder.purpose} (pid ${holder.pid}, since ${holder.since}), ` +
        'which copies no backup: run npm run backup when it has finished')
    }
    const viaServer = await requestBackup(dataDir, on)
    if (!viaServer) {
      throw new Error(`the OneMap server (pid ${holder.pid}, since ${holder.since}) holds ${dataDir} but does not answer on ` +
        `its control socket ${controlSocketPath(dataDir)}: see its log, or stop it and run npm run backup again`)
    }
    return viaServer
  }
  try {
    on({ type: 'note', message: `没有运行中的服务 no OneMap server is running on ${dataDir}: copying it from here` })
    const pg = await openPglite(dataDir)
    try {
      // nobody else talks to this instance: its lock is enough
      return await createBackup({ mode: 'embedded', pg, dataDir, exclusive: (fn) => pg.runExclusive(fn) }, targets, on)
    } finally {
      await pg.close()
    }
  } finally {
    lock.release()
  }
}

async function main(): Promise<number> {
  let opts
  try {
    opts = parseArgs({ options: { json: { type: 'boolean', default: false } }, allowPositionals: false }).values
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const config = loadConfig()
  const view = progressRenderer(opts.json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain')
  const targets = {
    backup: config.backup, photoDir: config.alerts.photoDir,
    alsoInsideDataDir: [config.alerts.photoDir, config.ingest.tmpDir],
  }
  let result: BackupResult
  try {
    if (config.databaseUrl) {
      result = await createBackup({ mode: 'server', url: config.databaseUrl }, targets, view.on)
    } else {
      result = await backupEmbedded(config.dataDir, targets, view.on)
    }
  } finally {
    view.close()
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ result }) + '\n')
  } else {
    const db = result.parts.find((p) => p.kind !== 'photos')!
    const photos = result.parts.find((p) => p.kind === 'photos')!
    console.log(`备份 backup ${result.folder}`)
    console.log(`  ${mb(result.bytes)} in ${result.seconds.toFixed(1)} s: database ${mb(db.bytes)} (${mb(db.contentBytes)} before compression), photos ${photos.files} files ${mb(photos.bytes)}`)
    console.log(`  schema ${result.schemaVersion}, land events up to #${result.dataVersion}${result.pausedMs === null ? '' : `, the server held ${result.pausedMs} ms for the copy`}`)
    if (result.removed.length) console.log(`  removed (keeping ${config.backup.keep}): ${result.removed.join(', ')}`)
  }
  return 0
}

main().then((code) => process.exit(code), (e: Error) => {
  if (e instanceof UsageError) {
    console.error(`backup: ${e.message}\n${USAGE}`)
    process.exit(2)
  }
  console.error(`备份失败 backup failed: ${e.message}`)
  process.exit(1)
})
