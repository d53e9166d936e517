/** backup: one backup now, into ONEMAP_BACKUP_DIR (README "Backup and restore").
 *
 *   npm run backup [-- --json]
 *
 * With DATABASE_URL: pg_dump of that database, from this process. Embedded: the running server
 * copies its own data folder (asked over its control socket); with no server running, this process
 * opens the data folder and copies it. A bar on a terminal, plain lines otherwise, JSON lines with
 * --json (the last one is {"result": …}). Exits non-zero on any failure; nothing half-written is
 * left under a backup's name. */
import { parseArgs } from 'node:util'
import 'dotenv/config'
import { loadConfig } from '../server/config'
import { openPglite } from '../server/db/embedded'
import { createBackup, type BackupResult } from '../server/backup/backup'
import { requestBackup } from '../server/backup/control'
import { progressRenderer } from '../server/backup/progress'

const USAGE = 'usage: npm run backup [-- --json]'
class UsageError extends Error {}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`

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
      const viaServer = await requestBackup(config.dataDir, view.on)
      if (viaServer) {
        result = viaServer
      } else {
        view.on({ type: 'note', message: `没有运行中的服务 no OneMap server is running on ${config.dataDir}: copying it from here` })
        const pg = await openPglite(config.dataDir)
        try {
          // nobody else talks to this instance: its lock is enough
          result = await createBackup({ mode: 'embedded', pg, dataDir: config.dataDir, exclusive: (fn) => pg.runExclusive(fn) }, targets, view.on)
        } finally {
          await pg.close()
        }
      }
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
