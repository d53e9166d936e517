/** Read-your-writes with read replicas (server/db/replicas.ts), without asking the primary on every
 * read: each process keeps every user's read fence (read_fence, sql/migrations/995: the primary's
 * WAL position after their last write) in memory. A write in this process moves it here and tells
 * the others through the change channel (a 'read-fence' message, LISTEN/NOTIFY: server/signals.ts);
 * a job a user started moves it at the job's commit. The map is read whole from the primary at
 * start and again after the listening connection was re-made (messages may have been missed);
 * while that connection is down, or the map is being read again, a user's fence is looked up on
 * the primary as before, and counted (lookups). */
import { publish } from '../events'
import type { Db } from './pgp'
import { lsnBytes } from './replicas'

const RECORD = `INSERT INTO read_fence (user_id, lsn) VALUES ($1, pg_current_wal_insert_lsn())
  ON CONFLICT (user_id) DO UPDATE SET lsn = greatest(read_fence.lsn, EXCLUDED.lsn), at = now() RETURNING lsn::text AS lsn`

export class ReadFences {
  private readonly byUser = new Map<number, string>()
  private loading: Promise<void> | null = null
  private ready = false
  /** fences looked up on the primary (the map was not to be trusted: no listener, or being read) */
  lookups = 0

  /** `listening`: whether this process hears the others' messages now. */
  constructor(private readonly primary: Db, private readonly listening: () => boolean) {}

  /** Reads every fence from the primary; until it has, fences are looked up one by one. */
  reload(): Promise<void> {
    this.ready = false
    const p: Promise<void> = this.primary.any('SELECT user_id, lsn::text AS lsn FROM read_fence').then((rows: { user_id: number; lsn: string }[]) => {
      for (const r of rows) this.note(Number(r.user_id), r.lsn)
      if (this.loading === p) this.ready = true
    }).finally(() => {
      if (this.loading === p) this.loading = null
    })
    this.loading = p
    return p
  }

  /** A fence heard of (a message, a lookup): kept when it is past the one known. */
  note(userId: number, lsn: string): void {
    const had = this.byUser.get(userId)
    if (had === undefined || lsnBytes(lsn) > lsnBytes(had)) this.byUser.set(userId, lsn)
  }

  /** The user's fence, null when they never wrote: from memory while this process hears every
   * message, else from the primary. */
  async of(userId: number): Promise<string | null> {
    if (this.ready && this.listening()) return this.byUser.get(userId) ?? null
    // the listener is back but the map was not read again (a failed read): read it in the background
    if (!this.ready && !this.loading && this.listening()) void this.reload().catch(() => undefined)
    this.lookups++
    const lsn: string | null = await this.primary.oneOrNone('SELECT lsn::text AS lsn FROM read_fence WHERE user_id = $1', [userId],
      (r: { lsn: string } | null) => r?.lsn ?? null)
    if (lsn) this.note(userId, lsn)
    return lsn
  }

  /** After a write of the user's has committed: their fence moves to the primary's insert position
   * (at or past that commit), here and, by a message, in every other process. */
  async record(userId: number): Promise<string> {
    const lsn: string = await this.primary.one(RECORD, [userId], (r: { lsn: string }) => r.lsn)
    this.note(userId, lsn)
    publish({ kind: 'read-fence', userId, lsn })
    return lsn
  }
}
