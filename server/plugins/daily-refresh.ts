/** Keeps the analysis snapshot on today's date (China Standard Time): the materialised findings
 * answer for one date, and reads for any other date are computed live (slower). Edits refresh
 * what they touch in their own transaction; this only moves the whole snapshot to a new day.
 * Every process's timer schedules the same slot of the job table (server/jobs/queue.ts), so that
 * with several processes over one database the refresh runs once per period, in one transaction. */
import fp from 'fastify-plugin'

export const REFRESH_JOB = 'analysis-refresh'
/** Finished jobs are kept this long for GET /api/jobs. */
export const JOB_KEEP_DAYS = 30

export default fp(async (app) => {
  app.jobs.register(REFRESH_JOB, async ({ t, progress }) => {
    progress({ phase: 'refresh', message: '正在把分析快照更新到今天', done: 0, total: 1 })
    // also works off a deferred refresh that failed (or whose process died)
    const { refreshed, pending } = await t.analysis.catchUp()
    let archived = 0
    if (refreshed) {
      app.log.info({ result: refreshed }, 'analysis snapshot moved to today')
      // a new day: the audit trail's rows past ONEMAP_AUDIT_KEEP_DAYS move whole to the archive
      archived = await t.audit.archive(app.config.audit.keepDays)
      // and finished jobs a month old go (their outcome is in the log and what they wrote)
      await t.jobs.prune(JOB_KEEP_DAYS)
    }
    progress({ phase: 'refresh', message: '分析快照已是今天', done: 1, total: 1 })
    return { refreshed: refreshed !== null, pending, archived }
  })
  const minutes = app.config.refreshMinutes
  if (minutes === 0) return
  const period = minutes * 60_000
  const timer = setInterval(() => {
    app.jobs.schedule(REFRESH_JOB, period).catch((err) => app.log.error({ err }, 'analysis refresh not scheduled; the next tick will try again'))
  }, period)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}, { name: 'daily-refresh', dependencies: ['jobs'] })
