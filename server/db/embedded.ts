/** The embedded default: PGlite with PostGIS, kept under the data dir and served on a loopback
 * port by pglite-socket, so that the same pg-promise code reaches it as reaches a server. */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import { PGlite } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedPostgis {
  url: string
  pg: PGlite
  /** True between two requests of the socket's client: not between an extended-query message
   * (Parse, Bind, Describe, Execute, Close, Flush) and its Sync, where a statement of our own would
   * end the client's unnamed statement and portal. Read under PGlite's lock (server/backup). */
  atMessageBoundary(): boolean
  stop(): Promise<void>
}

// Parse, Bind, Describe, Execute, Close, Flush: a Sync ('S') or a simple Query ('Q') ends them
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48])

/** PGlite on a data folder with the extensions OneMap's schema uses. */
export const openPglite = (dataDir: string) => PGlite.create({ dataDir, extensions: { postgis, pg_trgm } })

export async function startEmbedded(dataDir: string): Promise<EmbeddedPostgis> {
  fs.mkdirSync(dataDir, { recursive: true })
  const db = await openPglite(dataDir)
  // The socket hands PGlite one protocol message at a time; note the type byte of the last one.
  let last = 0
  const tracked = new Proxy(db, {
    get(target, prop) {
      if (prop === 'execProtocolRawStream') {
        return (message: Uint8Array, opts: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          last = message[0] ?? 0
          return target.execProtocolRawStream(message, opts)
        }
      }
      const v = Reflect.get(target, prop, target) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
  const server = new PGLiteSocketServer({ db: tracked, host: '127.0.0.1', port: 0 })
  await server.start()
  // The server object keeps its net.Server private; port 0 means we must ask it where it listens.
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address()
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    pg: db,
    atMessageBoundary: () => !EXTENDED.has(last),
    async stop() {
      await server.stop()
      await db.close()
    },
  }
}
