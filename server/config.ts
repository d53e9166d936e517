/** Settings from the environment, validated once at start (every one is listed in .env.example). */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DEFAULT_COUNTY_BOUNDARIES } from './db/reference'
import { parse as parseDotenv } from 'dotenv'

import { ALL_ROLES, DUTY_ROLES, isLandRole, ROLES, type DutyRole, type LandRole, type Role } from './common/roles'

export { ALL_ROLES, DUTY_ROLES, isLandRole, ROLES, type DutyRole, type LandRole, type Role }

export interface Config {
  host: string
  port: number
  /** A PostGIS server; when absent the embedded PGlite database is used. */
  databaseUrl: string | null
  /** Where the embedded database keeps its files. */
  dataDir: string
  /** Load the demo data when the database has no clusters yet. */
  loadDemo: boolean
  adminPassword: string | null
  sessionHours: number
  /** Roles that may see enterprise tax, output and price (DOMAIN.md "Governance"). */
  sensitiveRoles: Role[]
  logLevel: string
  maxUploadBytes: number
  maxUncompressedBytes: number
  webDist: string
  /** How often to check that the analysis snapshot is for today; 0 turns it off. */
  refreshMinutes: number
  /** Roles that may see aggregated per-mu figures (clusters, counties, city); 'public' for
   * everyone; empty: every signed-in role. Enterprise figures stay with sensitiveRoles. */
  aggregateRoles: (Role | 'public')[]
  /** A 天地图 (Tianditu) browser key for the optional raster basemap; null: offline basemap only. */
  tiandituToken: string | null
  /** The county boundary file (GeoJSON, EPSG:4490, with precision_m): the counties of uploads and
   * the city's extent come from it (server/db/reference.ts). */
  countyBoundaries: string
  /** Origins whose pages may call the API from a browser (CORS); empty: none but this site's own. */
  corsOrigins: string[]
  /** Addresses of reverse proxies whose X-Forwarded-For names the client (login throttling is per
   * address); empty: the connection's own address. */
  trustProxy: string[]
  /** The address the public reaches OneMap at (scheme, host, optional path, no trailing slash),
   * for absolute links (TileJSON tiles, OGC API links); null: from each request (server/public-url.ts). */
  publicUrl: string | null
  /** The statement_timeout of the OGC items and the exports that carry a filter or a bbox
   * (ONEMAP_QUERY_TIMEOUT_MS): a filter too slow for it is answered 503 query_timeout, not left
   * to hold a connection. */
  queryTimeoutMs: number
  /** Features at most in an export built in memory (DXF: server/exports/formats.ts),
   * ONEMAP_EXPORT_MEMORY_LIMIT; more is a 413 naming the limit, never a cut file. */
  exportMemoryLimit: number
  /** Uncached overview tiles (the parcels at zoom 12–13) encoded at once (ONEMAP_TILE_QUERIES; 0:
   * no limit), the others waiting their turn in the order asked, so that the first tiles of a view
   * come out first instead of all sharing the cores (server/tiles/gate.ts). Default: this host's cores. */
  tileQueries: number
  login: LoginSettings
  signIn: SignInSettings
  audit: AuditSettings
  ingest: IngestSettings
  alerts: AlertSettings
  backup: BackupSettings
  /** The job runner (server/jobs/queue.ts): a claim's lease and how often an idle runner looks. */
  jobs: { leaseMs: number; pollMs: number }
  /** Streaming standbys for the reads that tolerate one (server/db/replicas.ts); empty: none. */
  replicas: { urls: string[]; waitMs: number; maxLagMs: number; checkMs: number }
}

export class ConfigError extends Error {}

export interface Environment {
  env: NodeJS.ProcessEnv
  /** the settings that came from the file (a variable of the process environment wins over it) */
  fromFile: Set<string>
  file: string
}

/** The process environment over the settings of a `.env` file in the working directory, as
 * `.env.example` says ("copy to .env or export them"): a variable exported wins over the file,
 * so one run can change a setting without editing it. No file: the environment alone. */
export function environment(file = path.resolve('.env'), env: NodeJS.ProcessEnv = process.env): Environment {
  let text: Buffer
  try {
    text = fs.readFileSync(file)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { env, fromFile: new Set(), file }
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`)
  }
  const parsed = parseDotenv(text)
  const fromFile = new Set(Object.keys(parsed).filter((k) => env[k] === undefined))
  return { env: { ...parsed, ...env }, fromFile, file }
}

/** The message of a bad setting, saying when its value came from the file. */
export function describeConfigError(e: ConfigError, source: Environment): string {
  const name = /^([A-Z][A-Z0-9_]*)\b/.exec(e.message)?.[1]
  return name && source.fromFile.has(name) ? `${e.message} (set in ${source.file})` : e.message
}

/** Upload settings beyond the two size limits: checks, background work, reader limits. */
export interface IngestSettings {
  /** stated vs ellipsoidal area, relative: a larger difference is a warning (default 1 %) */
  areaTolerance: number
  /** overlap with an existing parcel worth reporting, m² */
  overlapM2: number
  /** uploads with more features are checked and committed in the background */
  backgroundFeatures: number
  /** a parcel commit of more features than this refreshes the analysis right after the commit,
   * in chunks, instead of inside it (the analysis is fresh either way, DOMAIN.md "Classifications the system computes") */
  deferAnalysisFeatures: number
  /** a parcel commit of more features than this is written in chunks of this many, each its own
   * transaction, undone whole should one fail (ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES; 0: one
   * transaction). null (unset): 500 on the embedded database, where a long transaction holds every
   * read (README "The embedded database and concurrent users"); one transaction on PostgreSQL */
  commitChunkFeatures: number | null
  /** entries in a zip, and inflated:compressed bytes per member (zip-bomb guards) */
  maxZipEntries: number
  maxZipRatio: number
  /** Where received files are kept until their staging job has read them (ONEMAP_UPLOAD_DIR; the
   * older name ONEMAP_UPLOAD_TMP_DIR is read too). With several processes it is a folder they all
   * see: whichever process claims the staging job reads the file from here. */
  tmpDir: string
  /** Tests only (ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK, unset in service): an upload commit, written but
   * not committed, waits for this PostgreSQL advisory lock, which the test holds while it kills the
   * process running the commit (server/scale-out.test.ts). null: no pause. */
  commitPauseLock: number | null
  /** Tests only (ONEMAP_UPLOAD_STAGE_PAUSE_LOCK, unset in service): a staging job whose features are
   * staged (committed), before its checks, waits for this advisory lock while the test kills the
   * process running it (server/scale-out.test.ts). null: no pause. */
  stagePauseLock: number | null
}

function numberSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${name}=${raw} is not a number between ${min} and ${max}`)
  return n
}

/** Dynamic monitoring (DOMAIN.md "Dynamic monitoring"). The rules' thresholds are county rules in the database. */
export interface AlertSettings {
  /** where field photos are kept, named by their sha256 */
  photoDir: string
  /** largest photo accepted (JPEG or PNG) */
  photoMaxBytes: number
  /** minutes between scheduled scans (suspected idle, overdue); 0: on demand only */
  scanMinutes: number
}

export function loadAlertSettings(env: NodeJS.ProcessEnv = process.env): AlertSettings {
  return {
    photoDir: path.resolve(env.ONEMAP_PHOTO_DIR?.trim() || './data/photos'),
    photoMaxBytes: Math.round(numberSetting(env, 'ONEMAP_PHOTO_MAX_MB', 10, 0.001, 200) * 1024 * 1024),
    // a fraction of a minute is allowed so that a test can watch the schedule run
    scanMinutes: numberSetting(env, 'ONEMAP_ALERT_SCAN_MINUTES', 1440, 0, 60 * 24 * 366),
  }
}

/** Backups (数据备份恢复) and the upgrade guard. */
export interface BackupSettings {
  /** where backups are written, one folder each */
  dir: string
  /** the daily time (China Standard Time, HH:MM or HH:MM:SS) of the scheduled backup; null: no schedule */
  at: string | null
  /** complete backups kept; older ones are removed after a successful backup */
  keep: number
  /** no successful backup for this many hours is reported to admins; 0: never */
  alertHours: number
  /** pending migrations on a database in use need a backup of it at most this old; 0: not asked */
  migrateRequireHours: number
  /** migrate without a recent backup (the operator says so explicitly) */
  migrateWithoutBackup: boolean
  /** folder of pg_dump and pg_restore (server mode); null: the newest /usr/lib/postgresql/N/bin, else PATH */
  pgBin: string | null
}

export function loadBackupSettings(env: NodeJS.ProcessEnv = process.env, demo = boolSetting(env, 'ONEMAP_DEMO', true)): BackupSettings {
  const at = env.ONEMAP_BACKUP_AT?.trim() || '02:30'
  if (at !== 'off' && !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(at)) {
    throw new ConfigError(`ONEMAP_BACKUP_AT=${at} is not a time HH:MM (00:00-23:59, or HH:MM:SS) or off`)
  }
  return {
    dir: path.resolve(env.ONEMAP_BACKUP_DIR?.trim() || './backups'),
    at: at === 'off' ? null : at,
    keep: intSetting(env, 'ONEMAP_BACKUP_KEEP', 14, 1, 100_000),
    alertHours: numberSetting(env, 'ONEMAP_BACKUP_ALERT_HOURS', 26, 0, 24 * 366),
    migrateRequireHours: numberSetting(env, 'ONEMAP_MIGRATE_REQUIRE_BACKUP_HOURS', demo ? 0 : 24, 0, 24 * 366),
    migrateWithoutBackup: boolSetting(env, 'ONEMAP_MIGRATE_WITHOUT_BACKUP', false),
    pgBin: env.ONEMAP_PG_BIN?.trim() ? path.resolve(env.ONEMAP_PG_BIN.trim()) : null,
  }
}

export function loadIngestSettings(env: NodeJS.ProcessEnv = process.env): IngestSettings {
  return {
    areaTolerance: numberSetting(env, 'ONEMAP_UPLOAD_AREA_TOLERANCE', 0.01, 0, 1),
    overlapM2: numberSetting(env, 'ONEMAP_UPLOAD_OVERLAP_M2', 1, 0, 1e9),
    backgroundFeatures: Math.round(numberSetting(env, 'ONEMAP_UPLOAD_BACKGROUND_FEATURES', 5000, 0, 1e9)),
    deferAnalysisFeatures: Math.round(numberSetting(env, 'ONEMAP_UPLOAD_DEFER_ANALYSIS_FEATURES', 5000, 0, 1e9)),
    commitChunkFeatures: env.ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES?.trim() ? intSetting(env, 'ONEMAP_UPLOAD_COMMIT_CHUNK_FEATURES', 0, 0, 1e9) : null,
    maxZipEntries: Math.round(numberSetting(env, 'ONEMAP_UPLOAD_MAX_ZIP_ENTRIES', 10_000, 1, 1e7)),
    maxZipRatio: numberSetting(env, 'ONEMAP_UPLOAD_MAX_ZIP_RATIO', 200, 2, 1e6),
    tmpDir: env.ONEMAP_UPLOAD_DIR?.trim() || env.ONEMAP_UPLOAD_TMP_DIR?.trim() || os.tmpdir(),
    commitPauseLock: env.ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK ? intSetting(env, 'ONEMAP_UPLOAD_COMMIT_PAUSE_LOCK', 0, 1, 2 ** 31 - 1) : null,
    stagePauseLock: env.ONEMAP_UPLOAD_STAGE_PAUSE_LOCK ? intSetting(env, 'ONEMAP_UPLOAD_STAGE_PAUSE_LOCK', 0, 1, 2 ** 31 - 1) : null,
  }
}

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${raw} is not a whole number between ${min} and ${max}`)
  }
  return n
}

function boolSetting(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  throw new ConfigError(`${name}=${raw} is not true or false`)
}

function roleList(env: NodeJS.ProcessEnv, name: string, fallback: string, allowPublic = true): (Role | 'public')[] {
  const list = (env[name] ?? fallback).split(',').map((r) => r.trim()).filter(Boolean)
  for (const r of list) {
    if (ALL_ROLES.includes(r as Role) && !ROLES.includes(r as Role)) {
      throw new ConfigError(`${name}: the role "${r}" sees no land data (separated duties); known: ${allowPublic ? 'public, ' : ''}${ROLES.join(', ')}`)
    }
    const known = ROLES.includes(r as Role) || (allowPublic && r === 'public')
    if (!known) throw new ConfigError(`${name}: unknown role "${r}" (known: ${allowPublic ? 'public, ' : ''}${ROLES.join(', ')})`)
  }
  return list as (Role | 'public')[]
}

/** Login throttling (per account and per address): growing delays after repeated failures, then a lock. */
export interface LoginSettings {
  /** failures in a row after which each further attempt must wait, the wait doubling each time */
  delayAfter: number
  /** the first such wait, seconds */
  delaySeconds: number
  /** failures in a row on one account that lock it */
  lockAfter: number
  /** failures from one address (any accounts) that lock the address */
  addressLockAfter: number
  /** how long a lock lasts, seconds */
  lockSeconds: number
  /** login requests per minute from one address, right or wrong (a flood guard above the counts) */
  perMinute: number
}

export function loadLoginSettings(env: NodeJS.ProcessEnv = process.env): LoginSettings {
  const delayAfter = intSetting(env, 'ONEMAP_LOGIN_DELAY_AFTER', 3, 1, 1000)
  const lockAfter = intSetting(env, 'ONEMAP_LOGIN_LOCK_AFTER', 10, 1, 1000)
  if (lockAfter < delayAfter) throw new ConfigError(`ONEMAP_LOGIN_LOCK_AFTER=${lockAfter} is below ONEMAP_LOGIN_DELAY_AFTER=${delayAfter}`)
  return {
    delayAfter,
    delaySeconds: numberSetting(env, 'ONEMAP_LOGIN_DELAY_SECONDS', 1, 0.01, 3600),
    lockAfter,
    addressLockAfter: intSetting(env, 'ONEMAP_LOGIN_ADDRESS_LOCK_AFTER', 50, 1, 100_000),
    lockSeconds: numberSetting(env, 'ONEMAP_LOGIN_LOCK_SECONDS', 900, 0.1, 7 * 24 * 3600),
    perMinute: intSetting(env, 'ONEMAP_LOGIN_PER_MINUTE', 60, 1, 100_000),
  }
}

/** Password policy, idle timeout and second factor (身份鉴别, GB/T 22239-2019 8.1.4.1); the
 * level-3 defaults are those the README states. */
export interface SignInSettings {
  passwordMinLength: number
  /** of the four classes (lower case, upper case, digits, other characters), how many a password needs */
  passwordClasses: number
  /** a new password may not be one of this account's last N */
  passwordHistory: number
  /** a password older than this many days must be changed at the next sign-in; 0: never */
  passwordMaxDays: number
  /** a session unused for this many minutes ends (besides ONEMAP_SESSION_HOURS from sign-in) */
  idleMinutes: number
  /** the admin, security and audit roles must sign in with a second factor (TOTP) */
  totpRequired: boolean
  /** the issuer shown in authenticator apps */
  totpIssuer: string
}

export function loadSignInSettings(env: NodeJS.ProcessEnv = process.env): SignInSettings {
  const demo = boolSetting(env, 'ONEMAP_DEMO', true)
  return {
    passwordMinLength: intSetting(env, 'ONEMAP_PASSWORD_MIN_LENGTH', 10, 8, 128),
    passwordClasses: intSetting(env, 'ONEMAP_PASSWORD_CLASSES', 3, 1, 4),
    passwordHistory: intSetting(env, 'ONEMAP_PASSWORD_HISTORY', 5, 0, 24),
    passwordMaxDays: intSetting(env, 'ONEMAP_PASSWORD_MAX_DAYS', 90, 0, 3650),
    // a fraction of a minute is allowed so that a test can watch a session go idle
    idleMinutes: numberSetting(env, 'ONEMAP_IDLE_MINUTES', 30, 0.05, 24 * 60),
    // the demo keeps its two-command start: no second factor unless asked for
    totpRequired: boolSetting(env, 'ONEMAP_TOTP_REQUIRED', !demo),
    totpIssuer: env.ONEMAP_TOTP_ISSUER?.trim().slice(0, 64) || 'OneMap',
  }
}

/** The audit trail (安全审计, GB/T 22239-2019 8.1.4.3; Cybersecurity Law art. 21: six months). */
export interface AuditSettings {
  /** rows younger than this stay in security_event; older ones move to security_event_archive
   * (never dropped). At least 180 days: the database refuses to move younger rows. */
  keepDays: number
}

export function loadAuditSettings(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  return { keepDays: intSetting(env, 'ONEMAP_AUDIT_KEEP_DAYS', 180, 180, 36_500) }
}

function originList(env: NodeJS.ProcessEnv, name: string): string[] {
  const list = (env[name] ?? '').split(',').map((o) => o.trim()).filter(Boolean)
  for (const o of list) {
    let ok = false
    try {
      const u = new URL(o)
      ok = /^https?:$/.test(u.protocol) && u.origin === o
    } catch { /* not a URL */ }
    if (!ok) throw new ConfigError(`${name}: "${o}" is not an origin (scheme://host[:port], no path or trailing slash)`)
  }
  return list
}

function addressList(env: NodeJS.ProcessEnv, name: string): string[] {
  const list = (env[name] ?? '').split(',').map((a) => a.trim()).filter(Boolean)
  for (const a of list) {
    if (!/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(a)) throw new ConfigError(`${name}: "${a}" is not an IP address or CIDR range`)
  }
  return list
}

function publicUrlSetting(env: NodeJS.ProcessEnv): string | null {
  const raw = env.ONEMAP_PUBLIC_URL?.trim()
  if (!raw) return null
  let u: URL | null = null
  try {
    u = new URL(raw)
  } catch { /* not a URL */ }
  if (!u || !/^https?:$/.test(u.protocol) || u.search || u.hash || u.username || u.password) {
    throw new ConfigError(`ONEMAP_PUBLIC_URL="${raw}" is not an http(s) address without query, fragment or credentials (e.g. https://gis.example.gov.cn/onemap)`)
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '')
}

function tiandituSetting(env: NodeJS.ProcessEnv): string | null {
  const raw = env.ONEMAP_TIANDITU_TOKEN?.trim()
  if (!raw) return null
  if (!/^[0-9a-f]{32}$/i.test(raw)) {
    throw new ConfigError(`ONEMAP_TIANDITU_TOKEN is not a 天地图 key (32 hexadecimal characters): "${raw.slice(0, 8)}…"`)
  }
  return raw
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql:// (got "${databaseUrl.slice(0, 20)}…")`)
  }
  const replicaUrls = (env.DATABASE_REPLICA_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean)
  for (const u of replicaUrls) {
    if (!/^postgres(ql)?:\/\//.test(u)) {
      throw new ConfigError(`DATABASE_REPLICA_URLS: each must start with postgres:// or postgresql:// (got "${u.slice(0, 20)}…")`)
    }
  }
  if (replicaUrls.length && !databaseUrl) {
    throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL: read replicas are standbys of a PostgreSQL primary, and the embedded database has none (set DATABASE_URL to the primary, or unset DATABASE_REPLICA_URLS)')
  }
  const sensitiveRoles = roleList(env, 'ONEMAP_SENSITIVE_ROLES', 'admin,analyst', false) as Role[]
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port: intSetting(env, 'PORT', 3000, 0, 65535),
    databaseUrl,
    dataDir: path.resolve(env.ONEMAP_DATA_DIR?.trim() || './data'),
    loadDemo: boolSetting(env, 'ONEMAP_DEMO', true),
    adminPassword: env.ONEMAP_ADMIN_PASSWORD || null,
    sessionHours: intSetting(env, 'ONEMAP_SESSION_HOURS', 12, 1, 24 * 30),
    sensitiveRoles,
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    maxUploadBytes: intSetting(env, 'ONEMAP_MAX_UPLOAD_MB', 512, 1, 100_000) * 1024 * 1024,
    maxUncompressedBytes: intSetting(env, 'ONEMAP_MAX_UNCOMPRESSED_MB', 4096, 1, 1_000_000) * 1024 * 1024,
    webDist: path.resolve(env.ONEMAP_WEB_DIST?.trim() || './web-map/dist'),
    refreshMinutes: intSetting(env, 'ONEMAP_REFRESH_MINUTES', 10, 0, 24 * 60),
    aggregateRoles: roleList(env, 'ONEMAP_AGGREGATE_ROLES', ''),
    tiandituToken: tiandituSetting(env),
    countyBoundaries: path.resolve(env.ONEMAP_COUNTY_BOUNDARIES?.trim() || DEFAULT_COUNTY_BOUNDARIES),
    corsOrigins: originList(env, 'ONEMAP_CORS_ORIGINS'),
    trustProxy: addressList(env, 'ONEMAP_TRUST_PROXY'),
    publicUrl: publicUrlSetting(env),
    queryTimeoutMs: intSetting(env, 'ONEMAP_QUERY_TIMEOUT_MS', 15_000, 1, 3_600_000),
    exportMemoryLimit: intSetting(env, 'ONEMAP_EXPORT_MEMORY_LIMIT', 200_000, 1, 10_000_000),
    tileQueries: intSetting(env, 'ONEMAP_TILE_QUERIES', os.availableParallelism(), 0, 1000),
    login: loadLoginSettings(env),
    signIn: loadSignInSettings(env),
    audit: loadAuditSettings(env),
    ingest: loadIngestSettings(env),
    alerts: loadAlertSettings(env),
    backup: loadBackupSettings(env),
    jobs: {
      leaseMs: intSetting(env, 'ONEMAP_JOB_LEASE_SECONDS', 30, 2, 3600) * 1000,
      pollMs: intSetting(env, 'ONEMAP_JOB_POLL_SECONDS', 5, 1, 600) * 1000,
    },
    replicas: {
      urls: replicaUrls,
      waitMs: intSetting(env, 'ONEMAP_REPLICA_WAIT_MS', 500, 0, 60_000),
      maxLagMs: intSetting(env, 'ONEMAP_REPLICA_MAX_LAG_MS', 5000, 10, 3_600_000),
      checkMs: intSetting(env, 'ONEMAP_REPLICA_CHECK_MS', 1000, 50, 60_000),
    },
  }
}
