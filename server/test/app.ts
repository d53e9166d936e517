/** Builds the app on a fresh test database, with helpers to log in as a given role and scope. */
import { buildApp, type App } from '../app'
import { loadConfig, type Role } from '../config'
import { hashPassword } from '../auth'
import { createTestDatabase, type TestDatabase } from './db'
import { checkResponses } from './response-schemas'

export interface TestApp {
  app: App
  database: TestDatabase
  /** Creates a user (once per name) and returns its bearer header. */
  loginAs(role: Role, countyScope: string[] | null, username?: string): Promise<{ authorization: string }>
  close(): Promise<void>
}

const PASSWORD = 'test-password-1'

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  // settings first: a bad one fails before a database is made for nothing; the second factor the
  // duty roles need outside the demo is asked for by the tests of sign-in only (sign-in.test.ts)
  const config = loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off', ONEMAP_TOTP_REQUIRED: 'false', ...env })
  const database = await createTestDatabase()
  const app = await buildApp({ config, database })
  checkResponses(app)
  const made = new Set<string>()
  return {
    app,
    database,
    async loginAs(role, countyScope, username = `${role}_${(countyScope ?? ['city']).join('_')}`) {
      if (!made.has(username)) {
        await database.db.users.create({ username, display_name: username, role, county_scope: countyScope, password_hash: await hashPassword(PASSWORD) })
        made.add(username)
      }
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } })
      if (res.statusCode !== 200) throw new Error(`login as ${username} failed: ${res.body}`)
      return { authorization: `Bearer ${res.json().token}` }
    },
    async close() {
      await app.close()
      await database.drop()
    },
  }
}
