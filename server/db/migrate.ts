/** Applies sql/migrations/NNN_*.sql in order, each once, all pending ones in one transaction
 * (a failure leaves no half-applied schema), then re-creates the analysis functions of
 * sql/functions/*.sql, which are written as CREATE OR REPLACE. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { IDatabase, ITask } from 'pg-promise'

const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql')
// Any constant: serialises concurrent starts against one database.
/** Also taken, shared, by analysis.refresh_all (sql/functions/analysis-9-refresh.sql) before its tables. */
const MIGRATION_LOCK = 4_103_000_001

export interface MigrationResult {
  applied: string[]
  functions: number
  /** the last applied migration after this run */
  schemaVersion: string | null
  /** what the guard decided, when migrations were pending on a database in use */
  note: string | null
}

/** Asked before pending migrations are applied to a database that already has some: returns the
 * line that says why migrating is allowed, or throws (sql/migrations are never applied then). */
export type MigrationGuard = (t: ITask<unknown>, pending: string[], current: string) => Promise<string>

/** The order of the files: by the number a migration's name starts with (1010_… after 995_…),
 * then by name (the functions' files, which start with no number). */
export function fileOrder(a: string, b: string): number {
  return (parseInt(a, 10) - parseInt(b, 10)) || (a < b ? -1 : a > b ? 1 : 0)
}

function sqlFiles(dir: string): { name: string; text: string }[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort(fileOrder)
    .map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') }))
}

export class MigrationError extends Error {
  /** PostgreSQL's SQLSTATE of the failure, when it came from the database */
  readonly code: string | undefined
  constructor(readonly file: string, cause: unknown) {
    super(`migration ${file} failed, nothing was applied: ${(cause as Error).message}`)
    this.code = (cause as { code?: string }).code
  }
}

/** How many times a migration chosen as a deadlock's victim is run again (its transaction was
 * rolled back whole, so nothing of it stays). Re-creating a LANGUAGE sql function parses its body
 * and takes a share lock on every table it reads, file by file; another process's transaction
 * that locks two of those tables exclusively in the other order (the full recompute truncates its
 * tables as it goes) deadlocks with it while one process starts beside a running one. */
const DEADLOCK_RETRIES = 5
const DEADLOCK = '40P01'

export async function migrate(db: IDatabase<unknown>, sqlDir = SQL_DIR, guard?: MigrationGuard): Promise<MigrationResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db, sqlDir, guard)
    } catch (e) {
      if (!(e instanceof MigrationError) || e.code !== DEADLOCK || attempt > DEADLOCK_RETRIES) throw e
      await new Promise((r) => setTimeout(r, 100 * attempt))
    }
  }
}

async function migrateOnce(db: IDatabase<unknown>, sqlDir: string, guard?: MigrationGuard): Promise<MigrationResult> {
  const migrations = sqlFiles(path.join(sqlDir, 'migrations'))
  const functions = sqlFiles(path.join(sqlDir, 'functions'))
  return db.tx('migrate', async (t) => {
    await t.one('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await t.none(`CREATE TABLE IF NOT EXISTS schema_migration (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Map<string, string>(
      (await t.any('SELECT name, checksum FROM schema_migration')).map((r: { name: string; checksum: string }) => [r.name, r.checksum]),
    )
    const applied: string[] = []
    const pending = migrations.filter((m) => !done.has(m.name)).map((m) => m.name)
    let note: string | null = null
    // a database in use (some migrations applied) is migrated only with the guard's consent; a new one freely
    if (guard && pending.length && done.size) note = await guard(t, pending, [...done.keys()].sort(fileOrder).at(-1)!)
    for (const m of migrations) {
      const checksum = crypto.createHash('sha256').update(m.text).digest('hex')
      const previous = done.get(m.name)
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new MigrationError(m.name, new Error('it was changed after being applied; add a new migration instead'))
        }
        continue
      }
      try {
        await t.none(m.text)
      } catch (e) {
        throw new MigrationError(m.name, e)
      }
      await t.none('INSERT INTO schema_migration (name, checksum) VALUES ($1, $2)', [m.name, checksum])
      applied.push(m.name)
    }
    for (const f of functions) {
      try {
        await t.none(f.text)
      } catch (e) {
        throw new MigrationError(`functions/${f.name}`, e)
      }
    }
    const schemaVersion = [...done.keys(), ...applied].sort(fileOrder).at(-1) ?? null
    return { applied, functions: functions.length, schemaVersion, note }
  })
}
