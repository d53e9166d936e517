/** The embedded default: PGlite with PostGIS, kept under the data dir and served on a loopback
 * port by pglite-socket, so that the same pg-promise code reaches it as reaches a server. One
 * process at a time: the data folder's lock (data-lock.ts) is taken before PGlite opens it. */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import { PGlite } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { type DataDirLock, lockDataDir } from './data-lock'

export interface EmbeddedPostgis {
  url: string
  lock: DataDirLock
  pg: PGlite
  /** Runs fn under PGlite's lock at the first moment between two requests of the socket's client
   * and outside any transaction: not between an extended-query message (Parse, Bind, Describe,
   * Execute, Close, Flush) and its Sync, where a statement of our own would end the client's
   * unnamed statement and portal, nor inside BEGIN…COMMIT (server/backup copies the data then). */
  exclusiveBetweenRequests<T>(fn: () => Promise<T>, opts?: { giveUpMs?: number }): Promise<T>
  stop(): Promise<void>
}

// Parse, Bind, Describe, Execute, Close, Flush: a Sync ('S') or a simple Query ('Q') ends them
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48])
/** how often a waiting exclusive task looks again while no message arrives, and when it gives up */
const EXCLUSIVE_RETRY_MS = 20
const EXCLUSIVE_GIVE_UP_MS = 120_000

/** PGlite on a data folder with the extensions OneMap's schema uses. The caller holds the data
 * folder's lock (data-lock.ts), or the folder is one no OneMap process uses (a restore's work folder). */
export const openPglite = (dataDir: string) => PGlite.create({ dataDir, extensions: { postgis, pg_trgm } })

/** Throws DataDirInUseError when another process holds the data folder. */
export async function startEmbedded(dataDir: string, purpose = 'server'): Promise<EmbeddedPostgis> {
  fs.mkdirSync(dataDir, { recursive: true })
  const lock = lockDataDir(dataDir, purpose)
  let db: PGlite
  let server: PGLiteSocketServer
  // The socket hands PGlite one protocol message at a time, each under the lock; after each, a
  // waiting fn runs if that message ended a request outside a transaction (under load the lock
  // is never free at such a moment otherwise).
  let last = 0
  let waiting: (() => Promise<void>) | null = null
  const between = () => !EXTENDED.has(last) && !db.isInTransaction()
  try {
    db = await openPglite(dataDir)
    const tracked = new Proxy(db, {
      get(target, prop) {
        if (prop === 'execProtocolRawStream') {
          return async (message: Uint8Array, opts: Parameters<PGlite['execProtocolRawStream']>[1]) => {
            last = message[0] ?? 0
            await target.execProtocolRawStream(message, opts)
            if (waiting && between()) {
              const run = waiting
              waiting = null
              await run()
            }
          }
        }
        const v = Reflect.get(target, prop, target) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
    server = new PGLiteSocketServer({ db: tracked, host: '127.0.0.1', port: 0 })
    await server.start()
  } catch (e) {
    lock.release()
    throw e
  }
  // The server object keeps its net.Server private; port 0 means we must ask it where it listens.
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address()
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    lock,
    pg: db,
    exclusiveBetweenRequests<T>(fn: () => Promise<T>, opts: { giveUpMs?: number } = {}): Promise<T> {
      if (waiting) return Promise.reject(new Error('another exclusive task is waiting'))
      const giveUpMs = opts.giveUpMs ?? EXCLUSIVE_GIVE_UP_MS
      return new Promise<T>((resolve, reject) => {
        const started = Date.now()
        let timer: NodeJS.Timeout | null = null
        const run = async () => {
          if (timer) clearTimeout(timer)
          await fn().then(resolve, reject)
        }
        waiting = run
        // When the client is quiet, take the lock now; when it is not (inside a transaction, or
        // between an extended-query message and its Sync), the socket's next message retries after
        // it is done. A client can also fall quiet at such a moment (a transaction left open while
        // its JS awaits something else): so retry on a timer too, and give up with a clear error
        // rather than wait for ever.
        const attempt = () => {
          timer = null
          void db.runExclusive(async () => {
            if (waiting !== run) return
            if (between()) {
              waiting = null
              await run()
              return
            }
            if (Date.now() - started > giveUpMs) {
              waiting = null
              reject(new Error(`the embedded database stayed inside a request for ${(giveUpMs / 1000).toFixed(1)} s ` +
                `(last message '${String.fromCharCode(last)}', in a transaction: ${db.isInTransaction()})`))
              return
            }
            timer = setTimeout(attempt, EXCLUSIVE_RETRY_MS)
          })
        }
        attempt()
      })
    },
    async stop() {
      try {
        await server.stop()
        await db.close()
      } finally {
        lock.release()
      }
    },
  }
}
