/** Keeps the analysis snapshot on today's date (China Standard Time): the materialised findings
 * answer for one date, and reads for any other date are computed live (slower). Edits refresh
 * what they touch in their own transaction; this only moves the whole snapshot to a new day. */
import fp from 'fastify-plugin'

export default fp(async (app) => {
  const minutes = app.config.refreshMinutes
  if (minutes === 0) return
  let running = false
  const check = async () => {
    if (running) return
    running = true
    try {
      // also retries a deferred refresh that failed (or whose process died)
      const { refreshed, pending } = await app.db.analysis.catchUp()
      if (refreshed) {
        app.log.info({ result: refreshed }, 'analysis snapshot moved to today')
        // a new day: the audit trail's rows past ONEMAP_AUDIT_KEEP_DAYS move whole to the archive
        const archived = await app.db.audit.archive(app.config.audit.keepDays)
        if (archived) app.log.info({ archived }, 'audit rows archived')
      }
      if (pending) app.log.info({ pending }, 'queued analysis refreshes done')
    } catch (err) {
      app.log.error({ err }, 'analysis refresh failed; will try again')
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => void check(), minutes * 60_000)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}, { name: 'daily-refresh' })
