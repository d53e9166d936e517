/** Backups from the server process: the daily schedule (ONEMAP_BACKUP_AT, China Standard Time,
 * like the analysis day; on a server, one backup per slot however many processes: a job of the job
 * table), the state that /api/health and admins' notices show, and, with the
 * embedded database, the control socket through which `npm run backup` asks for one. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fp from 'fastify-plugin'
import { createBackup, type BackupResult, type BackupSource } from '../backup/backup'
import { ControlServer } from '../backup/control'
import type { OnProgress } from '../backup/progress'
import { BackupMonitor } from '../backup/status'
import { JobFailure } from '../jobs/queue'

const IDENTITY_SQL = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../backup/identity.sql'), 'utf8')

export interface Backups {
  monitor: BackupMonitor
  /** One backup now; refused while another runs in this process. */
  run(on?: OnProgress): Promise<BackupResult>
}

declare module 'fastify' {
  interface FastifyInstance {
    backups: Backups
  }
}

const CST_OFFSET_MS = 8 * 3_600_000

/** The job kind of the scheduled backup on a server (server/jobs/queue.ts). */
export const BACKUP_JOB = 'backup'

/** Milliseconds from now to the next HH:MM[:SS] in China Standard Time (UTC+8, no daylight saving). */
export function msUntil(at: string, now: Date): number {
  const [h, m, sec = 0] = at.split(':').map(Number)
  const cst = new Date(now.getTime() + CST_OFFSET_MS)
  let next = Date.UTC(cst.getUTCFullYear(), cst.getUTCMonth(), cst.getUTCDate(), h, m, sec) - CST_OFFSET_MS
  if (next <= now.getTime()) next += 86_400_000
  return next - now.getTime()
}

export default fp(async (app) => {
  const settings = app.config.backup
  const name = await app.db.one('SELECT current_database() AS name, (SELECT min(applied_at) FROM schema_migration) AS since',
    [], (r: { name: string; since: Date | null }) => r)
  let systemIdentifier = 'unknown'
  try {
    systemIdentifier = await app.db.one(IDENTITY_SQL, [], (r: { system_identifier: string }) => r.system_identifier)
  } catch { /* a plain user may not read pg_control_system(): backups then match by name */ }
  const monitor = new BackupMonitor({
    dir: settings.dir, schedule: settings.at, alertHours: settings.alertHours,
    identity: { systemIdentifier, name: name.name }, since: name.since ?? new Date(),
  })
  const embedded = app.database.embedded
  const source: BackupSource = embedded
    ? { mode: 'embedded', pg: embedded.pg, dataDir: embedded.dataDir, exclusive: embedded.exclusiveBetweenRequests }
    : { mode: 'server', url: app.database.url }
  const targets = {
    backup: settings, photoDir: app.config.alerts.photoDir,
    alsoInsideDataDir: [app.config.alerts.photoDir, app.config.ingest.tmpDir],
  }

  let running: { since: Date; done: Promise<BackupResult> } | null = null
  const run = async (on: OnProgress = () => undefined): Promise<BackupResult> => {
    if (running) throw new Error(`a backup is already running (since ${running.since.toISOString()})`)
    const done = createBackup(source, targets, on)
    running = { since: new Date(), done }
    try {
      return await done
    } finally {
      running = null
    }
  }
  app.decorate('backups', { monitor, run })

  const scheduled = async (on: OnProgress = () => undefined) => {
    try {
      const r = await run(on)
      app.log.info({ backup: r.folder, bytes: r.bytes, seconds: r.seconds, pausedMs: r.pausedMs, removed: r.removed }, 'scheduled backup done')
      return r
    } catch (err) {
      app.log.error({ err }, 'scheduled backup failed; admins are told, and the next one is tomorrow')
      throw err
    }
  }
  if (!embedded) {
    // On a server several processes may share the database: each one's timer queues the same slot
    // of the job table (one row per slot), and whichever process claims it makes the one backup.
    // A process that dies during it leaves the job to another (a second attempt); a backup that
    // fails is not run again (admins are told, the next slot is tomorrow). The embedded database
    // serves one process, whose backup needs the connection between requests: it runs in-process.
    app.jobs.register(BACKUP_JOB, async ({ progress }) => {
      let label = '正在备份'
      const r = await scheduled((e) => {
        if (e.type === 'phase') label = e.label
        if (e.type === 'phase' || e.type === 'progress') {
          const done = e.type === 'progress' && e.total > 0 ? Math.round((100 * e.done) / e.total) : 0
          progress({ phase: e.phase, message: label, done, total: 100 })
        }
      }).catch((err: Error) => { throw new JobFailure(err.message) })
      return { name: r.name, bytes: r.bytes, seconds: r.seconds, removed: r.removed.length }
    })
  }

  let timer: NodeJS.Timeout | null = null
  const schedule = () => {
    if (!settings.at) return
    const wait = msUntil(settings.at, new Date())
    // the slot is named by its time, the same in every process whatever its clock's few ms
    const slot = new Date(Math.round((Date.now() + wait) / 1000) * 1000).toISOString()
    timer = setTimeout(() => {
      const done = embedded
        ? scheduled().then(() => undefined, () => undefined)
        : app.jobs.enqueue({ kind: BACKUP_JOB, dedupeKey: `${BACKUP_JOB}@${slot}`, maxAttempts: 2, message: '定时备份排队中' })
          .then(() => undefined, (err) => app.log.error({ err }, 'scheduled backup not queued; the next slot will try again'))
      void done.finally(schedule)
    }, wait)
    timer.unref()
  }
  schedule()

  const control = embedded ? await ControlServer.listen(embedded.dataDir, (on) => run(on)) : null
  app.addHook('onClose', async () => {
    if (timer) clearTimeout(timer)
    await control?.close()
    await running?.done.catch(() => undefined)
  })
}, { name: 'backups', dependencies: ['jobs'] })
