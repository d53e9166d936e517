/** restore: a backup into a fresh data folder (ONEMAP_DATA_DIR) or database (DATABASE_URL), with
 * its field photos (ONEMAP_PHOTO_DIR) (README "Backup and restore").
 *
 *   npm run restore -- <backup folder> [--force] [--check] [--json]
 *
 * Checks every checksum first (--check: only that). Refuses a data folder, database or photo
 * folder in use unless --force, which moves folders aside (<name>.before-restore-<time>) and drops
 * and re-creates the database; never while a OneMap server runs on the data folder. Exits non-zero
 * on any refusal or failure. */
import { parseArgs } from 'node:util'
import 'dotenv/config'
import { loadConfig } from '../server/config'
import { checkBackup, restoreBackup } from '../server/backup/restore'
import { progressRenderer } from '../server/backup/progress'

const USAGE = 'usage: npm run restore -- <backup folder> [--force] [--check] [--json]'
class UsageError extends Error {}

async function main(): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      options: { json: { type: 'boolean', default: false }, force: { type: 'boolean', default: false }, check: { type: 'boolean', default: false } },
      allowPositionals: true,
    })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const { values: opts, positionals } = parsed
  if (positionals.length !== 1) throw new UsageError('name one backup folder')
  const config = loadConfig()
  const view = progressRenderer(opts.json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain')
  try {
    if (opts.check) {
      const m = await checkBackup(positionals[0], view.on)
      view.close()
      if (opts.json) process.stdout.write(JSON.stringify({ result: { backup: m.name, ok: true } }) + '\n')
      else console.log(`完好 ${m.name} is complete: ${m.parts.map((p) => p.name).join(', ')} match their SHA-256`)
      return 0
    }
    const r = await restoreBackup(positionals[0], {
      databaseUrl: config.databaseUrl, dataDir: config.dataDir, photoDir: config.alerts.photoDir, pgBin: config.backup.pgBin,
    }, { force: opts.force }, view.on)
    view.close()
    if (opts.json) {
      process.stdout.write(JSON.stringify({ result: r }) + '\n')
    } else {
      console.log(`已恢复 restored ${r.backup} into ${r.target} in ${r.seconds.toFixed(1)} s`)
      console.log(`  schema ${r.schemaVersion}; ${r.parcels} parcels, ${r.events} land events (up to #${r.dataVersion}), ${r.uploads} uploads, ${r.photos} photos`)
      if (r.uploadsToResend) console.log(`  ${r.uploadsToResend} uploads were waiting for commit: marked failed, send their files again`)
      for (const a of r.movedAside) console.log(`  kept aside: ${a}`)
      console.log('  npm start serves it')
    }
    return 0
  } finally {
    view.close()
  }
}

main().then((code) => process.exit(code), (e: Error) => {
  if (e instanceof UsageError) {
    console.error(`restore: ${e.message}\n${USAGE}`)
    process.exit(2)
  }
  console.error(`恢复失败 restore refused: ${e.message}`)
  process.exit(1)
})
