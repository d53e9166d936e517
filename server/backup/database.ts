/** The database part of a backup.
 *
 * Embedded (PGlite): a copy of the data folder taken inside the running instance while it holds its
 * query lock, between two transactions, right after a CHECKPOINT. PGlite runs PostgreSQL in this
 * process, one statement at a time, so nothing writes during the copy: the copy is the state of
 * the last commit, which PostgreSQL opens as after a power cut (WAL replay from the checkpoint).
 * Every committed edit is in it and nothing of a later one. The server stops answering only for
 * the copy (0.4-0.55 s for the 122 MB demo folder in the tests); compressing comes after. pg_dump cannot be
 * used instead: PGlite 0.5.8 is PostgreSQL 18.3 and Debian's pg_dump 15 refuses a newer server,
 * and the WASM pg_dump of @electric-sql/pglite-tools 0.4.8 runs inside the same single-session
 * instance, holding it for the whole dump (on the demo data, unfinished after 15 minutes).
 *
 * Server: pg_dump in custom format (-Fc), from a snapshot exported by a REPEATABLE READ
 * transaction that also reads what the manifest records, so both see the same data. */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import { protocol } from '@electric-sql/pglite'
import { isLockFile } from '../db/data-lock'
import { pgp } from '../db/pgp'
import { listFiles } from './files'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const INFO_SQL = fs.readFileSync(path.join(HERE, 'info.sql'), 'utf8')
const IDENTITY_SQL = fs.readFileSync(path.join(HERE, 'identity.sql'), 'utf8')

export interface DatabaseInfo {
  schemaVersion: string
  migrations: number
  systemIdentifier: string
  name: string
  serverVersion: string
  dataVersion: number
}

export class BackupError extends Error {}

function toInfo(row: Record<string, string | number | null>, systemIdentifier: string): DatabaseInfo {
  if (!row.schema_version) throw new BackupError('this database has no applied migrations: not a OneMap database')
  return {
    schemaVersion: String(row.schema_version), migrations: Number(row.migrations), systemIdentifier,
    name: String(row.name), serverVersion: String(row.server_version), dataVersion: Number(row.data_version),
  }
}

/** One query through PGlite's protocol entry, which does not take the query lock (we hold it).
 * The streaming entry with a callback of our own: PGlite sends a query's output to the last
 * stream callback it was given, which otherwise is the socket's client's (its connection then
 * breaks on rows it never asked for). */
async function rawRow(pg: PGlite, sql: string): Promise<Record<string, string | null>> {
  const chunks: Uint8Array[] = []
  await pg.execProtocolRawStream(protocol.serialize.query(sql), { onRawData: (d) => { chunks.push(d.slice()) } })
  let names: string[] = []
  let row: Record<string, string | null> | null = null
  let error: string | null = null
  new protocol.Parser().parse(Buffer.concat(chunks), (m) => {
    const msg = m as unknown as { name: string; fields?: unknown[]; message?: string }
    if (msg.name === 'rowDescription') names = (msg.fields as { name: string }[]).map((f) => f.name)
    if (msg.name === 'dataRow' && !row) row = Object.fromEntries(names.map((n, i) => [n, (msg.fields as (string | null)[])[i]]))
    if (msg.name === 'error') error = msg.message ?? 'error'
  })
  if (error) throw new BackupError(`${sql.slice(0, 60)}: ${error}`)
  return row ?? {}
}

/** Entries of a PGlite data folder that are not PostgreSQL's: the runtime lock files (PostgreSQL's
 * postmaster.pid, OneMap's onemap.lock: a restored folder is held by no one), the control socket,
 * and OneMap's own folders when the settings put them inside it (photos by default). */
export function pgliteExclusions(dataDir: string, inside: string[]): (rel: string) => boolean {
  const own = inside
    .map((p) => path.relative(dataDir, path.resolve(p)))
    .filter((r) => r && !r.startsWith('..') && !path.isAbsolute(r))
  return (rel) => rel === 'postmaster.pid' || isLockFile(rel) || rel.startsWith('.onemap') || own.some((o) => rel === o || rel.startsWith(o + '/'))
}

export interface PgliteSnapshot { info: DatabaseInfo; files: number; bytes: number; pausedMs: number }

/** Copies the data folder of a running PGlite into target. `exclusive` runs the copy under the
 * instance's lock, between two requests of its socket's client and outside any transaction
 * (server/db/embedded.ts), so that nothing writes meanwhile and no statement is half-done. */
export async function snapshotPglite(pg: PGlite, exclusive: <T>(fn: () => Promise<T>) => Promise<T>, dataDir: string, target: string,
  exclude: (rel: string) => boolean, onBytes: (n: number) => void): Promise<PgliteSnapshot> {
  return exclusive(async () => {
    if (pg.isInTransaction()) throw new BackupError('the embedded database is inside a transaction')
    const t0 = Date.now()
    await rawRow(pg, 'CHECKPOINT')
    const row = await rawRow(pg, INFO_SQL)
    const id = await rawRow(pg, IDENTITY_SQL)
    const info = toInfo(row, id.system_identifier ?? 'unknown')
    const { files, dirs, bytes } = await listFiles(dataDir, (rel) => exclude(rel))
    await fsp.mkdir(target, { recursive: true })
    for (const d of dirs) await fsp.mkdir(path.join(target, d), { recursive: true })
    for (const f of files) {
      await fsp.copyFile(path.join(dataDir, f), path.join(target, f), fs.constants.COPYFILE_FICLONE)
      onBytes((await fsp.stat(path.join(target, f))).size)
    }
    return { info, files: files.length, bytes, pausedMs: Date.now() - t0 }
  })
}

/** pg_dump and pg_restore: ONEMAP_PG_BIN, else the newest Debian /usr/lib/postgresql/N/bin, else PATH. */
export function pgTool(tool: 'pg_dump' | 'pg_restore', pgBin: string | null): string {
  if (pgBin) return path.join(pgBin, tool)
  const root = '/usr/lib/postgresql'
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : []
  for (const m of majors) if (fs.existsSync(path.join(root, m, 'bin', tool))) return path.join(root, m, 'bin', tool)
  return tool
}

/** libpq reads the password from the environment, so that it never shows in a process list. */
function libpqArgs(url: string): { dsn: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url)
  const password = decodeURIComponent(u.password)
  u.password = ''
  return { dsn: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } }
}

interface RunResult { code: number | null; stderr: string }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, onStderrLine?: (line: string) => void): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    let pending = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-20_000)
      pending += d
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const l of lines) onStderrLine?.(l)
    })
    child.on('error', (e) => reject(new BackupError(`cannot run ${cmd}: ${e.message} (install postgresql-client, or set ONEMAP_PG_BIN)`)))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

/** The error pg_dump or pg_restore printed (and the line after it), not its progress lines. */
const lastLines = (s: string) => {
  const lines = s.trim().split('\n')
  const i = lines.findIndex((l) => /error|FATAL/i.test(l))
  return (i >= 0 ? lines.slice(i, i + 3) : lines.slice(-3)).join(' | ')
}

export interface ServerDump { info: DatabaseInfo; tables: number }

/** pg_dump -Fc of the database at url into target, from one exported snapshot. */
export async function dumpServer(url: string, target: string, pgBin: string | null,
  onTable: (done: number, total: number) => void): Promise<ServerDump> {
  const db = pgp({ connectionString: url, max: 1, application_name: 'onemap-backup' })
  try {
    const mode = new pgp.txMode.TransactionMode({ tiLevel: pgp.txMode.isolationLevel.repeatableRead, readOnly: true })
    return await db.tx({ mode }, async (t) => {
      const snapshot = await t.one('SELECT pg_export_snapshot() AS s', [], (r: { s: string }) => r.s)
      const row = await t.one(INFO_SQL)
      let systemIdentifier = 'unknown'
      try {
        systemIdentifier = await t.one('SAVEPOINT ident; ' + IDENTITY_SQL, [], (r: { system_identifier: string }) => r.system_identifier)
      } catch {
        await t.none('ROLLBACK TO SAVEPOINT ident')
      }
      const info = toInfo(row, systemIdentifier)
      const tables = await t.one(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
      [], (r: { n: number }) => r.n)
      const serverMajor = Number(info.serverVersion.split(/[.\s]/)[0])
      const tool = pgTool('pg_dump', pgBin)
      const { dsn, env } = libpqArgs(url)
      let done = 0
      const r = await run(tool, ['--format=custom', '--compress=6', `--snapshot=${snapshot}`, '--verbose', `--file=${target}`, `--dbname=${dsn}`], env,
        (line) => { if (/dumping contents of table/.test(line)) onTable(++done, Math.max(tables, done)) })
      if (r.code !== 0) {
        const mismatch = /server version mismatch/.test(r.stderr)
        throw new BackupError(mismatch
          ? `${tool} is older than the server (PostgreSQL ${serverMajor}): install postgresql-client-${serverMajor} or set ONEMAP_PG_BIN to its bin folder`
          : `pg_dump failed: ${lastLines(r.stderr)}`)
      }
      return { info, tables }
    })
  } finally {
    await db.$pool.end()
  }
}

/** pg_restore of a custom-format dump into the database at url, in one transaction. */
export async function restoreServer(url: string, file: string, pgBin: string | null, onItem: (done: number, total: number) => void): Promise<void> {
  const tool = pgTool('pg_restore', pgBin)
  const { dsn, env } = libpqArgs(url)
  let listing = ''
  await new Promise<void>((resolve, reject) => {
    const child = spawn(tool, ['--list', file], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => { listing += d })
    child.on('error', (e) => reject(new BackupError(`cannot run ${tool}: ${e.message} (install postgresql-client, or set ONEMAP_PG_BIN)`)))
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`${tool} cannot read the dump (${code})`))))
  })
  const total = listing.split('\n').filter((l) => /^\d+;/.test(l)).length
  let done = 0
  const r = await run(tool, ['--exit-on-error', '--single-transaction', '--verbose', `--dbname=${dsn}`, file], env,
    (line) => { if (/^pg_restore: (creating|processing|executing)/.test(line)) onItem(++done, Math.max(total, done)) })
  if (r.code !== 0) throw new BackupError(`pg_restore failed, nothing was restored: ${lastLines(r.stderr)}`)
}

/** Tables of the database that no extension owns (PostGIS's spatial_ref_sys does not count). */
export async function userTables(url: string): Promise<number> {
  const db = pgp({ connectionString: url, max: 1, application_name: 'onemap-restore' })
  try {
    return await db.one(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`,
    [], (r: { n: number }) => r.n)
  } finally {
    await db.$pool.end()
  }
}
