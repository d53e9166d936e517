/** One code path above three ways to a PostGIS: a server (DATABASE_URL), the embedded PGlite
 * default, and the throwaway cluster the tests start (which is just a server URL). */
import type { Socket } from 'node:net'
import { type Db, pgp } from './pgp'
import { DataDirInUseError, type DataDirLock } from './data-lock'
import { startEmbedded } from './embedded'
import { migrate, type MigrationGuard, type MigrationResult } from './migrate'
import { type BoundaryLoad, DEFAULT_COUNTY_BOUNDARIES, loadCountyBoundaries } from './reference'
import { ReadReplicas, type ReplicaSettings } from './replicas'
import type { PGlite } from '@electric-sql/pglite'

export type DatabaseMode = 'embedded' | 'server'

export interface Database {
  db: Db
  /** how to reach it (for the embedded database, its loopback socket) */
  url: string
  mode: DatabaseMode
  postgis: string
  migration: MigrationResult
  /** The county boundaries and city extent (reference.ts): loaded, or found loaded already. */
  boundaries: BoundaryLoad
  /** The embedded data folder's lock (null on a server): the server adds its URL once it listens. */
  dataLock: DataDirLock | null
  /** the embedded database's PGlite instance and folder (backups copy it from inside) */
  embedded: { pg: PGlite; dataDir: string; exclusiveBetweenRequests<T>(fn: () => Promise<T>): Promise<T> } | null
  /** Streaming standbys taking the reads that tolerate one (DATABASE_REPLICA_URLS); null: none. */
  replicas: ReadReplicas | null
  close(): Promise<void>
}

/** A start-up failure whose message is the one line an operator needs. */
export class DatabaseSetupError extends Error {}

function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}:${u.port || 5432}${u.pathname}`
  } catch {
    return 'DATABASE_URL'
  }
}

async function ensurePostgis(db: Db, where: string): Promise<string> {
  const available = await db.oneOrNone(
    "SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'postgis'",
  )
  if (!available) {
    throw new DatabaseSetupError(
      `PostGIS is not installed on ${where}: install it there (Debian: apt-get install postgresql-N-postgis-3; Docker: the postgis/postgis image) or unset DATABASE_URL to use the embedded database`,
    )
  }
  if (!available.installed_version) {
    try {
      await db.none('CREATE EXTENSION IF NOT EXISTS postgis')
    } catch (e) {
      throw new DatabaseSetupError(
        `PostGIS is installed on ${where} but not enabled in this database, and this user cannot enable it (${(e as Error).message}): run CREATE EXTENSION postgis as a superuser`,
      )
    }
  }
  return db.one('SELECT postgis_lib_version() AS v', [], (r: { v: string }) => r.v)
}

export interface OpenOptions {
  databaseUrl: string | null
  dataDir: string
  /** Connections in the pool; the embedded database always uses one. */
  poolSize?: number
  /** The county boundary file (GeoJSON); fixtures/luoyang-counties.geojson by default. */
  countyBoundaries?: string
  /** Who opens the embedded data folder, as its lock names the holder ('server', 'import'). */
  purpose?: string
  /** Consulted before migrating a database in use (server/backup/guard.ts). */
  migrationGuard?: MigrationGuard
  /** Read replicas (server mode only). */
  replicas?: ReplicaSettings
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  let embedded: Awaited<ReturnType<typeof startEmbedded>> | null = null
  if (!opts.databaseUrl && opts.replicas?.urls.length) {
    throw new DatabaseSetupError('DATABASE_REPLICA_URLS needs DATABASE_URL: the embedded database has no standbys')
  }
  if (!opts.databaseUrl) {
    try {
      embedded = await startEmbedded(opts.dataDir, opts.purpose)
    } catch (e) {
      if (e instanceof DataDirInUseError) throw new DatabaseSetupError(e.message)
      throw e
    }
  }
  const url = opts.databaseUrl ?? embedded!.url
  const where = embedded ? 'the embedded database' : describeUrl(url)
  // PGlite is single-connection: a pool of one keeps every statement of a transaction together,
  // and reaches it inside the process (embedded.ts connection(): no loopback socket, a request's
  // messages in one turn). JIT makes the analysis plans some 250 times slower on a server (10 s
  // against 38 ms measured for the summary): OneMap's queries are many short ones, so it is off
  // for our sessions.
  const db = pgp({
    connectionString: url, max: embedded ? 1 : (opts.poolSize ?? 10), application_name: 'onemap',
    ...(embedded ? (embedded.connection ? { stream: embedded.connection as unknown as () => Socket } : {}) : { options: '-c jit=off' }),
  }) as Db
  let replicas: ReadReplicas | null = null
  const close = async () => {
    await replicas?.close()
    await db.$pool.end()
    await embedded?.stop()
  }
  try {
    try {
      await db.one('SELECT 1 AS ok')
    } catch (e) {
      throw new DatabaseSetupError(`cannot connect to ${where}: ${(e as Error).message} — check DATABASE_URL (host, port, user, password, database)`)
    }
    const postgis = await ensurePostgis(db, where)
    const migration = await migrate(db, undefined, opts.migrationGuard)
    // the schema's history in the audit trail (GB/T 22239-2019 8.1.4.3): each migration applied
    for (const name of migration.applied) {
      await db.audit.append({ kind: 'migration', username: null, object: `migration:${name}`, detail: { schema_version: migration.schemaVersion, note: migration.note } })
    }
    const boundaries = await loadCountyBoundaries(db, opts.countyBoundaries ?? DEFAULT_COUNTY_BOUNDARIES)
    if (!embedded && opts.replicas?.urls.length) {
      // a standby down at the start is skipped, not fatal: the checks take it up when it answers
      replicas = new ReadReplicas(db, opts.replicas, opts.poolSize ?? 10)
      await replicas.start()
    }
    return {
      replicas,
      db, url, mode: embedded ? 'embedded' : 'server', postgis, migration, boundaries, dataLock: embedded?.lock ?? null, close,
      embedded: embedded ? { pg: embedded.pg, dataDir: opts.dataDir, exclusiveBetweenRequests: embedded.exclusiveBetweenRequests } : null,
    }
  } catch (e) {
    await close().catch(() => undefined)
    throw e
  }
}
