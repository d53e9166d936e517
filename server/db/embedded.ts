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
  stop(): Promise<void>
}

/** PGlite on a data folder with the extensions OneMap's schema uses. */
export const openPglite = (dataDir: string) => PGlite.create({ dataDir, extensions: { postgis, pg_trgm } })

export async function startEmbedded(dataDir: string): Promise<EmbeddedPostgis> {
  fs.mkdirSync(dataDir, { recursive: true })
  const db = await openPglite(dataDir)
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 })
  await server.start()
  // The server object keeps its net.Server private; port 0 means we must ask it where it listens.
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address()
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    pg: db,
    async stop() {
      await server.stop()
      await db.close()
    },
  }
}
