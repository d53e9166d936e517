/** Vitest global setup: one throwaway PostGIS cluster for the run (or TEST_DATABASE_URL), with a
 * template database migrated once; every test file copies it into a database of its own. */
import type { TestProject } from 'vitest/node'
import { startPgCluster, withDatabase, type PgCluster } from './pg-cluster'
import { openDatabase } from '../db/connect'
import { pgp } from '../db/pgp'

export const TEMPLATE_DB = 'onemap_template'

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
    pgTemplate: string
  }
}

let cluster: PgCluster | null = null

export async function setup(project: TestProject) {
  const given = process.env.TEST_DATABASE_URL
  if (!given) cluster = await startPgCluster()
  const adminUrl = given ?? cluster!.url
  const admin = pgp(adminUrl)
  try {
    await admin.none('DROP DATABASE IF EXISTS $1:name', [TEMPLATE_DB])
    await admin.none('CREATE DATABASE $1:name', [TEMPLATE_DB])
  } finally {
    await admin.$pool.end()
  }
  const template = await openDatabase({ databaseUrl: withDatabase(adminUrl, TEMPLATE_DB), dataDir: '' })
  await template.close()
  project.provide('pgAdminUrl', adminUrl)
  project.provide('pgTemplate', TEMPLATE_DB)
}

export async function teardown() {
  cluster?.stop()
}
