/** The one channel for what a committed write changed (一张图: the tiles and every other reader of
 * the land learn of it from here, not from the writer). A change goes out as a message, plain data
 * that server/signals.ts carries across processes (LISTEN/NOTIFY); in one process, subscribers are
 * called in turn as it is published. Publish after the transaction commits. */

/** [minLon, minLat, maxLon, maxLat] in EPSG:4490. */
export type ChangeBox = [number, number, number, number]

export interface LandChanged {
  kind: 'land-changed'
  /** A tile layer id ('parcels') or a table ('parcel', 'rs_change'). */
  target: string
  /** Where, in EPSG:4490; null when unknown (everything the target draws). */
  bbox: ChangeBox | null
}

/** A session or personal token revoked (logout, deactivation, a password, role or scope change):
 * every process drops what it cached of it at once. By the token's SHA-256 (never the token), the
 * account, or the personal token's id. */
export interface SessionRevoked {
  kind: 'session-revoked'
  tokenHash?: string
  userId?: number
  tokenId?: number
}

/** A job was queued (server/jobs/queue.ts): idle runners look for work now. */
export interface JobQueued {
  kind: 'job-queued'
}

/** Messages from other processes may have been missed (server/signals.ts lost its connection):
 * whatever they keep fresh is dropped. Never sent between processes. */
export interface Resync {
  kind: 'resync'
}

/** Rows were added to event_log (sent by its trigger, sql/migrations/991_event_log_notify.sql):
 * readers of the log (the tile cache) read it now. */
export interface EventLogged {
  kind: 'event-logged'
}

/** A user's read fence moved (server/db/read-fences.ts): the WAL position after their last write,
 * which their reads from a standby wait for; every process keeps it in memory. */
export interface ReadFenceMoved {
  kind: 'read-fence'
  userId: number
  /** an LSN of the primary, 'X/Y' */
  lsn: string
}

export type ChangeMessage = LandChanged | SessionRevoked | JobQueued | Resync | EventLogged | ReadFenceMoved

/** A subscriber: returns how much it dropped or did (summed for the publisher), or nothing. */
export type Subscriber = (message: ChangeMessage) => number | void

const subscribers = new Set<Subscriber>()

/** Subscribes; returns the unsubscribe. */
export function subscribe(s: Subscriber): () => void {
  subscribers.add(s)
  return () => {
    subscribers.delete(s)
  }
}

/** Sends a message to every subscriber of this process; returns the sum of their answers. A
 * subscriber that throws does not keep the others from the message; the first error is rethrown. */
export function publish(message: ChangeMessage): number {
  let total = 0
  let failure: unknown = null
  for (const s of [...subscribers]) {
    try {
      total += s(structuredClone(message)) ?? 0
    } catch (e) {
      failure ??= e
    }
  }
  if (failure !== null) throw failure
  return total
}
