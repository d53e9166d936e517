/** Read replicas (DATABASE_REPLICA_URLS): streaming hot standbys of the primary that take the
 * reads which tolerate one (tiles, parcel search and cards, OGC items, public lists, reports; the
 * routes say so with `config.reads: 'replica'`, server/plugins/replica-reads.ts decides). Writes
 * and every other read stay on the primary.
 *
 * A timer asks each standby where its replay stands (pg_last_wal_replay_lsn) against the primary's
 * WAL (pg_current_wal_insert_lsn): a standby that does not answer, is not in recovery, or lags
 * more than maxLagMs behind is skipped until a later check finds it well again. The lag in time is
 * how long the standby has been behind: zero while its replay has reached the primary's position
 * of the previous check, else the time since it last was so (an idle primary makes no WAL and so
 * no lag, which now() - pg_last_xact_replay_timestamp() would count).
 *
 * Read-your-writes: a read that must see a write (a user's own, or the tile cache's last
 * invalidation) names the write's LSN; a standby is used only once it has replayed past it, waited
 * for up to waitMs, else the read goes to the primary. */
import { type Db, pgp } from './pgp'

export interface ReplicaSettings {
  urls: string[]
  /** How long a read waits for a standby to replay past its fence before it goes to the primary. */
  waitMs: number
  /** A standby further behind than this is skipped. */
  maxLagMs: number
  /** How often each standby is checked. */
  checkMs: number
}

export interface DatabaseHealth {
  name: string
  role: 'primary' | 'standby'
  reachable: boolean
  /** standbys: taking reads now (reachable, in recovery, lag within the setting) */
  inUse: boolean
  lagMs: number | null
  lagBytes: number | null
  error: string | null
  /** reads this process sent there since its start */
  reads: number
}

/** An LSN 'X/Y' (hexadecimal halves) as a number of bytes: exact below 2^53 (8 PiB of WAL). */
export function lsnBytes(lsn: string): number {
  const [hi, lo] = lsn.split('/')
  return parseInt(hi, 16) * 2 ** 32 + parseInt(lo, 16)
}

interface Standby {
  name: string
  db: Db
  reachable: boolean
  inUse: boolean
  replayed: number
  /** when the standby was last seen at (or past) the primary's position of the check before */
  caughtUpAt: number
  lagMs: number | null
  lagBytes: number | null
  error: string | null
  reads: number
}

function nameOf(url: string): string {
  try {
    const u = new URL(url)
    const host = u.searchParams.get('host') ?? u.hostname
    return `${host.startsWith('/') ? 'socket' : host}:${u.searchParams.get('port') ?? (u.port || 5432)}`
  } catch {
    return 'standby'
  }
}

/** The primary's insert position skips a WAL page's header when the last record ended on a page
 * boundary; a standby that replayed everything stops before it. Any real write is longer. */
const PAGE_HEADER = 40

function standbyConnection(url: string, max: number) {
  return { connectionString: url, max, application_name: 'onemap-read', options: '-c jit=off', connectionTimeoutMillis: 2000 }
}

/** How long a check waits for a standby's answer before reporting it down. */
const CHECK_TIMEOUT_MS = 2000

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms) }),
  ]).finally(() => clearTimeout(timer))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class ReadReplicas {
  private standbys: Standby[]
  private next = 0
  private timer: NodeJS.Timeout | null = null
  private checking: Promise<void> | null = null
  /** the primary's position at the previous check */
  private primaryBefore = 0
  private primaryLag: { reachable: boolean; error: string | null } = { reachable: true, error: null }
  /** reads of replica routes sent to the primary */
  private primaryReads = 0

  constructor(private primary: Db, readonly settings: ReplicaSettings, poolSize = 10) {
    this.standbys = settings.urls.map((url) => ({
      name: nameOf(url),
      // jit off as on the primary (server/db/connect.ts); a standby that does not answer within 2 s
      // of a new connection is reported down rather than holding the check
      db: pgp(standbyConnection(url, poolSize)) as Db,
      reachable: false, inUse: false, replayed: 0, caughtUpAt: 0, lagMs: null, lagBytes: null, error: 'not checked yet', reads: 0,
    }))
  }

  /** Checks every standby now, then on the timer. */
  async start(): Promise<void> {
    await this.check()
    this.timer = setInterval(() => void this.check().catch(() => undefined), this.settings.checkMs)
    this.timer.unref()
  }

  /** One round of checks (one at a time: a caller during a round waits for it and runs another). */
  check(): Promise<void> {
    const run = async () => {
      let primaryNow: number
      try {
        primaryNow = lsnBytes(await this.primary.one('SELECT pg_current_wal_insert_lsn()::text AS lsn', [], (r: { lsn: string }) => r.lsn))
        this.primaryLag = { reachable: true, error: null }
      } catch (e) {
        this.primaryLag = { reachable: false, error: (e as Error).message }
        return
      }
      const target = this.primaryBefore || primaryNow
      const now = Date.now()
      await Promise.all(this.standbys.map(async (s) => {
        try {
          // a standby that stops answering on an open connection must not hold the checks
          const r: { recovery: boolean; lsn: string | null } = await within(s.db.one(
            'SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS lsn'), CHECK_TIMEOUT_MS)
          if (!r.recovery || !r.lsn) throw new Error('not a standby in recovery (pg_is_in_recovery() is false)')
          s.replayed = lsnBytes(r.lsn)
          s.reachable = true
          s.error = null
          if (s.replayed + PAGE_HEADER >= target || !s.caughtUpAt) s.caughtUpAt = now
          s.lagMs = s.replayed + PAGE_HEADER >= primaryNow ? 0 : now - s.caughtUpAt
          s.lagBytes = Math.max(0, primaryNow - s.replayed)
          s.inUse = s.lagMs <= this.settings.maxLagMs
        } catch (e) {
          Object.assign(s, { reachable: false, inUse: false, lagMs: null, lagBytes: null, caughtUpAt: 0, error: (e as Error).message })
        }
      }))
      this.primaryBefore = primaryNow
    }
    const next = (this.checking ?? Promise.resolve()).catch(() => undefined).then(run)
    this.checking = next
    return next.finally(() => {
      if (this.checking === next) this.checking = null
    })
  }

  /** The database a read goes to: a standby in use that has replayed past `fence` (an LSN; null:
   * no write to see), waiting for up to waitMs; else the primary. */
  async forRead(fence: string | null): Promise<Db> {
    let s: Standby | undefined
    for (;;) {
      const candidates = this.standbys.filter((c) => c.inUse)
      if (candidates.length === 0) return this.use(null)
      s = candidates[this.next++ % candidates.length]
      // a standby stopped since the last check fails here, not in the route: taken out at once
      if (await this.connects(s)) break
    }
    if (fence === null) return this.use(s)
    const want = lsnBytes(fence)
    if (s.replayed >= want) return this.use(s)
    const until = Date.now() + this.settings.waitMs
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      try {
        const lsn: string | null = await within(s.db.one('SELECT pg_last_wal_replay_lsn()::text AS lsn', [], (r: { lsn: string | null }) => r.lsn),
          Math.max(0, until - Date.now()) + 50)
        if (lsn) s.replayed = Math.max(s.replayed, lsnBytes(lsn))
      } catch {
        break
      }
      if (s.replayed >= want) return this.use(s)
      if (Date.now() + pause > until) break
      await sleep(pause)
    }
    return this.use(null)
  }

  private async connects(s: Standby): Promise<boolean> {
    try {
      const c = await s.db.connect()
      c.done()
      return true
    } catch (e) {
      Object.assign(s, { reachable: false, inUse: false, lagMs: null, lagBytes: null, caughtUpAt: 0, error: (e as Error).message })
      return false
    }
  }

  private use(s: Standby | null): Db {
    if (s) {
      s.reads++
      return s.db
    }
    this.primaryReads++
    return this.primary
  }

  health(): DatabaseHealth[] {
    return [
      { name: 'primary', role: 'primary', reachable: this.primaryLag.reachable, inUse: true, lagMs: 0, lagBytes: 0, error: this.primaryLag.error, reads: this.primaryReads },
      ...this.standbys.map((s) => ({
        name: s.name, role: 'standby' as const, reachable: s.reachable, inUse: s.inUse, lagMs: s.lagMs, lagBytes: s.lagBytes, error: s.error, reads: s.reads,
      })),
    ]
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.checking?.catch(() => undefined)
    await Promise.all(this.standbys.map((s) => s.db.$pool.end()))
  }
}
