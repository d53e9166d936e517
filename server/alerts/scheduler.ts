/** The periodic scan of the patrol alert rules, in-process: every ONEMAP_ALERT_SCAN_MINUTES the rule "supplied,
 * past the agreed start, no change and no start" runs over every parcel and overdue alerts are
 * escalated; the same scan runs on demand (POST /api/alerts/scan). Runs never overlap in this
 * process, and the SQL takes an advisory lock, so that two processes cannot both insert an alert:
 * a scan repeated creates nothing new. On the first start with the demo data, every rule runs once
 * so that the demo shows alerts of every type. */
import type { FastifyBaseLogger } from 'fastify'
import type { AlertsRepo, ScanResult } from '../db/repos/alerts'

/** The rules the schedule runs: the change rules run when changes are committed. */
export const SCHEDULED_TYPES = ['no_change_after_start_date']

export interface SchedulerOptions {
  alerts: AlertsRepo
  minutes: number
  /** Run every rule once at start when no scan ever ran and there are changes (the demo). */
  scanOnFirstStart: boolean
  log: FastifyBaseLogger
  /** Each tick schedules this period's slot of the job table instead of scanning here (the app:
   * with several processes the scan runs once per period, server/jobs/queue.ts). */
  schedule?: (periodMs: number) => Promise<unknown>
}

export class AlertScheduler {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<ScanResult | null> | null = null
  private stopped = false

  constructor(private o: SchedulerOptions) {}

  start(): void {
    if (this.o.scanOnFirstStart) {
      this.running = this.first().finally(() => { this.running = null })
    }
    if (this.o.minutes > 0) {
      const period = this.o.minutes * 60_000
      const schedule = this.o.schedule
      this.timer = setInterval(schedule
        ? () => void schedule(period).catch((err) => this.o.log.error({ err }, 'alert scan not scheduled; the next tick will try again'))
        : () => void this.run('schedule'), period)
      this.timer.unref()
    }
  }

  private async first(): Promise<ScanResult | null> {
    try {
      const s = await this.o.alerts.hasScanned()
      if (s.scanned || !s.changes || this.stopped) return null
      const r = await this.o.alerts.scan('start', 'system:alert-scan')
      this.o.log.info({ scan: r.result }, 'alert rules run once over the data found at first start')
      return r
    } catch (err) {
      this.o.log.error({ err }, 'first alert scan failed; the schedule will try again')
      return null
    }
  }

  /** One scheduled scan; null when one is already running (the next tick will come). */
  async run(trigger: 'schedule' | 'demand', actor = 'system:alert-scan'): Promise<ScanResult | null> {
    if (this.running || this.stopped) return null
    const p = (async () => {
      try {
        const r = await this.o.alerts.scan(trigger, actor, { types: SCHEDULED_TYPES })
        this.o.log.info({ scan: r.result, trigger }, 'alert scan done')
        return r
      } catch (err) {
        this.o.log.error({ err, trigger }, 'alert scan failed; the next tick will try again')
        return null
      }
    })()
    this.running = p
    try {
      return await p
    } finally {
      this.running = null
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }
}
