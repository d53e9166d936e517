/** The embedded database (PGlite, which `npm start` runs by default) beside a fresh test database on
 * the PostgreSQL server: for tests that load the same data into both and compare the engines. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openDatabase, type Database } from '../db/connect'
import { createTestDatabase, type TestDatabase } from './db'

export interface EmbeddedPair {
  embedded: Database
  server: TestDatabase
  /** Closes both and removes the embedded database's folder. */
  close(): Promise<void>
}

export async function openEmbeddedPair(folderPrefix: string): Promise<EmbeddedPair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), folderPrefix))
  const [embedded, server] = await Promise.all([openDatabase({ databaseUrl: null, dataDir: dir }), createTestDatabase()])
  return {
    embedded,
    server,
    async close() {
      await embedded.close()
      await server.drop()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
