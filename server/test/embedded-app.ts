/** The app on the embedded database (PGlite, which `npm start` runs by default) in a temp folder,
 * with one analyst to sign in as: for the tests of a route over the embedded database's one
 * connection (tiles, exports). */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp, type App } from '../app'
import { hashPassword } from '../auth'
import { loadConfig } from '../config'
import { openDatabase, type Database } from '../db/connect'

const ANALYST = { username: 'ana', password: 'embedded-pw-1' }

export interface EmbeddedApp<T> {
  database: Database
  app: App
  /** what `seed` returned */
  seeded: T
  /** The analyst's bearer header, from a fresh sign-in. */
  signIn(): Promise<{ authorization: string }>
  /** Closes the app and the database and removes the database's folder. */
  close(): Promise<void>
}

/** A new embedded database in a folder named `folderPrefix`…, `seed` run on it before the app is
 * built (no demo data, no web build, no timed refresh or backup). */
export async function openEmbeddedApp<T>(folderPrefix: string, seed: (db: Database['db']) => Promise<T>): Promise<EmbeddedApp<T>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), folderPrefix))
  let database: Database | null = null
  try {
    database = await openDatabase({ databaseUrl: null, dataDir: dir })
    const seeded = await seed(database.db)
    await database.db.users.create({ username: ANALYST.username, display_name: ANALYST.username, role: 'analyst', county_scope: null, password_hash: await hashPassword(ANALYST.password) })
    const app = await buildApp({ config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off' }), database })
    const db = database
    return {
      database: db, app, seeded,
      async signIn() {
        const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: ANALYST })
        if (login.statusCode !== 200) throw new Error(`sign-in failed: ${login.statusCode} ${login.body}`)
        return { authorization: `Bearer ${login.json().token}` }
      },
      async close() {
        await app.close()
        await db.close()
        fs.rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await database?.close()
    fs.rmSync(dir, { recursive: true, force: true })
    throw e
  }
}
