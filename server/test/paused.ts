/** Work held at an advisory lock the test holds (a server's ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK or
 * ONEMAP_UPLOAD_STAGE_PAUSE_LOCK: its transaction waits for the lock at a known point), for the
 * tests that kill the process doing it there. Waits for states (the backend waiting on the lock,
 * then gone), never for a time. */
import type { IDatabase } from 'pg-promise'

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Holds advisory lock `lock`, calls `start` (which sets off work that waits for the lock), runs
 * `whilePaused` with what `start` returned once that work's backend waits on the lock (the test
 * checks the half-done state and kills the process there), then lets the lock go and waits until
 * that backend has ended: it gets the lock, finds its client gone and rolls its transaction back. */
export async function pausedAt<T>(db: IDatabase<unknown>, lock: number, start: () => T, whilePaused: (started: T) => Promise<void>): Promise<void> {
  const hold = await db.connect()
  let pid: number
  try {
    await hold.one('SELECT pg_advisory_lock($1::bigint)', [lock])
    const started = start()
    for (;;) {
      // a bigint advisory key: its high half in classid, its low half in objid, objsubid 1
      const w = await db.oneOrNone<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
        AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1`, [lock])
      if (w) {
        pid = w.pid
        break
      }
      await pause(25)
    }
    await whilePaused(started)
  } finally {
    await hold.none('SELECT pg_advisory_unlock($1::bigint)', [lock]).catch(() => undefined)
    hold.done()
  }
  while ((await db.one('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid], (r: { n: number }) => r.n)) > 0) await pause(50)
}
