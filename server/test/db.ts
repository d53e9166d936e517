/** A fresh, migrated PostGIS database for one test file, copied from the run's template. */
import crypto from 'node:crypto'
import { inject } from 'vitest'
import { openDatabase, type Database } from '../db/connect'
import { pgp } from '../db/pgp'
import { withDatabase } from './pg-cluster'

export interface TestDatabase extends Database {
  url: string
  /** Drops the database; call in afterAll. */
  drop(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl')
  const template = inject('pgTemplate')
  const name = 'onemap_t_' + crypto.randomBytes(6).toString('hex')
  const admin = pgp(adminUrl)
  try {
    await admin.none('CREATE DATABASE $1:name TEMPLATE $2:name', [name, template])
  } finally {
    await admin.$pool.end()
  }
  const url = withDatabase(adminUrl, name)
  const database = await openDatabase({ databaseUrl: url, dataDir: '' })
  return {
    ...database,
    url,
    async drop() {
      await database.close()
      // Without FORCE: forcing would kill backends whose clients are still saying goodbye, and
      // pg reports that as an unhandled error. A closed pool leaves within a moment; wait for it.
      const admin2 = pgp(adminUrl)
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            await admin2.none('DROP DATABASE IF EXISTS $1:name', [name])
            break
          } catch (e) {
            if (attempt >= 50 || !/being accessed by other users/.test((e as Error).message)) throw e
            await new Promise((r) => setTimeout(r, 100))
          }
        }
      } finally {
        await admin2.$pool.end()
      }
    },
  }
}
