/** The embedded default: PGlite with PostGIS, kept under the data dir and served on a loopback
 * port by pglite-socket, so that the same pg-promise code reaches it as reaches a server. The
 * server's own pool reaches it without the socket (connection()): the same protocol bytes through
 * an in-memory stream into the socket server's one queue. One process at a time: the data folder's
 * lock (data-lock.ts) is taken before PGlite opens it. */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import { Duplex } from 'node:stream'
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
  /** A new connection to the database inside this process, for node-postgres's `stream` option
   * (connect.ts gives it to the server's pool): no loopback socket. Null when pglite-socket no
   * longer has the queue this reaches into (a version other than the pinned one): the pool then
   * goes through the loopback socket as every other client does. */
  connection: (() => Duplex) | null
  stop(): Promise<void>
}

/** pglite-socket's one queue of protocol messages (the socket server's, private to it): every
 * connection's messages take their turn there, and inside a transaction only its connection's. */
interface MessageQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>
  clearQueueForHandler(handlerId: number): void
  clearTransactionIfNeeded(handlerId: number): Promise<void>
}

// Parse, Bind, Describe, Execute, Close, Flush: a Sync ('S') or a simple Query ('Q') ends them
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48])
// what a client waits on an answer after: Sync, simple Query, Flush, CopyDone, CopyFail, Terminate
const REQUEST_END = new Set([0x53, 0x51, 0x48, 0x63, 0x66, 0x58])
/** the in-process connections' ids in the socket server's queue, clear of its own (1, 2, …) */
let nextConnectionId = 1_000_000_000

/** The type of the last protocol message in bytes holding one or more whole messages (0: the
 * startup packet, which has none). */
function lastMessageType(bytes: Uint8Array): number {
  if (bytes[0] === 0) return 0
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let type = 0
  for (let off = 0; off + 5 <= bytes.length; off += 1 + view.getInt32(off + 1)) type = bytes[off]!
  return type
}

/**
 * One connection to PGlite inside the process, as node-postgres's `stream`: what the client
 * writes is cut into whole protocol messages, and everything up to a message it then waits on
 * (a Sync, a simple Query) goes to PGlite as ONE turn of the socket server's queue (PGlite runs a
 * buffer of several messages in order, as a server reads them off its socket). A card
 * (Bind, Describe, Execute, Sync) is one turn instead of four, and no loopback TCP on either side.
 * The queue keeps what it keeps for the socket's clients: one turn at a time, and inside a
 * transaction only that connection's; a connection closed inside a transaction rolls it back.
 */
class InProcessConnection extends Duplex {
  private pending: Buffer = Buffer.alloc(0)
  private started = false
  private readonly id = nextConnectionId++

  constructor(private readonly queue: MessageQueue, private readonly pgliteClosed: () => boolean) {
    super()
  }

  // the net.Socket methods node-postgres calls
  setNoDelay(): this {
    return this
  }

  setKeepAlive(): this {
    return this
  }

  connect(): this {
    process.nextTick(() => this.emit('connect'))
    return this
  }

  // a pool's idle client lets the process exit, a busy one keeps it: nothing here holds the loop
  ref(): this {
    return this
  }

  unref(): this {
    return this
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    let end = 0
    if (!this.started) {
      // the startup packet: a length and no type byte
      if (buf.length >= 4 && buf.length >= buf.readInt32BE(0)) {
        end = buf.readInt32BE(0)
        this.started = true
      }
    } else {
      for (let off = 0; off + 5 <= buf.length;) {
        const next = off + 1 + buf.readInt32BE(off + 1)
        if (next > buf.length) break
        if (REQUEST_END.has(buf[off]!)) end = next
        off = next
      }
    }
    this.pending = buf.subarray(end)
    if (end === 0) return done()
    const turn = new Uint8Array(buf.subarray(0, end))
    // Terminate: node-postgres ends the stream next
    if (turn.length === 5 && turn[0] === 0x58) return done()
    // The next turn waits for the event loop's next round, as a socket's would: else a client
    // querying in a loop would run on microtasks alone and starve every timer and socket.
    this.queue.enqueue(this.id, turn, (data) => {
      if (data.length) this.push(Buffer.from(data))
    }).then(() => setImmediate(done), (e: Error) => done(e))
  }

  override _final(done: (e?: Error | null) => void): void {
    this.push(null)
    done()
  }

  override _destroy(e: Error | null, done: (e?: Error | null) => void): void {
    this.queue.clearQueueForHandler(this.id)
    // a connection ended after PGlite was closed (the pool's end racing the stop) has nothing to roll back
    if (this.pgliteClosed()) return done(e)
    this.queue.clearTransactionIfNeeded(this.id).then(() => done(e), (e2: Error) => done(e ?? e2))
  }
}
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
            last = lastMessageType(message)
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
  // The queue is private to pglite-socket (0.2.11, pinned in package.json): look before using it.
  const queue = (server as unknown as { queryQueue?: Partial<MessageQueue> }).queryQueue
  const hasQueue = typeof queue?.enqueue === 'function' && typeof queue.clearQueueForHandler === 'function' &&
    typeof queue.clearTransactionIfNeeded === 'function'
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
    connection: hasQueue ? () => new InProcessConnection(queue as MessageQueue, () => db.closed) : null,
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
