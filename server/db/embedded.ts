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
  stop(): Promise<void>
}

/** Throws DataDirInUseError when another process holds the data folder. */
export async function startEmbedded(dataDir: string, purpose = 'server'): Promise<EmbeddedPostgis> {
  fs.mkdirSync(dataDir, { recursive: true })
  const lock = lockDataDir(dataDir, purpose)
  let db: PGlite
  let server: PGLiteSocketServer
  try {
    db = await PGlite.create({ dataDir, extensions: { postgis, pg_trgm } })
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 })
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
