/** First-start work: the reference data (counties, the 18 clusters), the demo data when asked,
 * and the accounts. Later starts find them and do nothing. */
import { isLandRole, type Config, type Role } from './config'
import type { Db } from './db/pgp'
import type { RefreshResult } from './db/repos/analysis'
import { hashPassword, newPassword } from './auth'
import { beijingToday, generateDemo } from '../scripts/demo/generate'
import { loadDemo } from '../scripts/demo/load'

export const DEMO_COUNTY = '410311' // 洛龙区: two clusters (洛龙, 洛阳经济技术开发区)
export const DEMO_PASSWORD = 'onemap-demo'
export const DEMO_USERS: { username: string; display_name: string; role: Role }[] = [
  { username: 'analyst.luolong', display_name: '洛龙区分析员', role: 'analyst' },
  { username: 'surveyor.luolong', display_name: '洛龙区测绘员', role: 'surveyor' },
  { username: 'inspector.luolong', display_name: '洛龙区巡查员', role: 'inspector' },
  // the two duty roles beside admin (separated duties, GB/T 22239-2019 8.1.4.2): no land data
  { username: 'security.officer', display_name: '安全管理员', role: 'security' },
  { username: 'audit.officer', display_name: '审计管理员', role: 'audit' },
]

export interface BootstrapReport {
  loaded: Record<string, number> | null
  /** The full analysis recompute, when the snapshot was not today's. */
  analysis: RefreshResult | null
  /** queued rows of deferred analysis refreshes worked off at start (sql/migrations/800_bulk_commit.sql) */
  analysisPending: number
  adminPassword: string | null
  demoUsers: string[]
  /** the first security and audit officers made at this start: user name → random password */
  dutyPasswords: Record<string, string>
  /** audit events moved to security_event_archive at this start */
  auditArchived: number
  /** the demo's first public disclosure list, published at its first start: snapshot id and items */
  published: { id: number; items: number } | null
}

/** Any constant: serialises the first-start work of processes that start together. */
const BOOTSTRAP_LOCK = 4_103_000_002

export async function bootstrap(db: Db, config: Config): Promise<BootstrapReport> {
  // Several processes started at once on a new database (docker-compose.yml's two) would both
  // find no admin and both make one: one process at a time, the lock held by a connection of its
  // own while the work uses the others. A pool of one connection (the embedded database, whose
  // data folder is one process's anyway) has none to spare, and needs no lock.
  if ((db.$pool.options.max ?? 10) < 2) return bootstrapOnce(db, config)
  const lock = await db.connect()
  try {
    await lock.one('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK])
    return await bootstrapOnce(db, config)
  } finally {
    await lock.one('SELECT pg_advisory_unlock($1) AS released', [BOOTSTRAP_LOCK]).catch(() => undefined)
    lock.done()
  }
}

async function bootstrapOnce(db: Db, config: Config): Promise<BootstrapReport> {
  const report: BootstrapReport = { loaded: null, analysis: null, analysisPending: 0, adminPassword: null, demoUsers: [], dutyPasswords: {}, auditArchived: 0, published: null }
  const clusters = await db.one('SELECT count(*)::int AS n FROM cluster', [], (r: { n: number }) => r.n)
  if (clusters === 0) {
    // the story runs up to today (the bureau's day), so this quarter, this year and the alerts
    // have life in them (scripts/demo/retime.ts)
    const data = generateDemo({ today: beijingToday() })
    report.loaded = await loadDemo(db, config.loadDemo ? data : { ...emptyLike(data), counties: data.counties, clusters: data.clusters })
  }
  // The materialised findings are for one date; a first start (or a restart on a new day) makes
  // them today's before the first request, and works off what a bulk commit left queued when the
  // process stopped before refreshing it.
  const caughtUp = await db.analysis.catchUp()
  report.analysis = caughtUp.refreshed
  report.analysisPending = caughtUp.pending
  // The demo shows what the bureau publishes (§四(四)): a first public list at today's date, so that
  // the disclosure page of a fresh demo is not empty; made once (a later start finds a snapshot).
  if (config.loadDemo && (await db.governance.disclosureId(null)) === null) {
    const today = await db.governance.today()
    const r = await db.governance.generate({ kind: 'disclosure', period: today, asOf: today, scope: null, params: {} }, 'system:demo')
    report.published = { id: r.id, items: (['unsupplied', 'idle', 'inefficient'] as const).reduce((n, c) => n + Number(r.result.counts?.[c]?.items ?? 0), 0) }
  }
  if (!(await db.users.findByUsername('admin'))) {
    const password = config.adminPassword ?? newPassword()
    // a password printed to the terminal was not chosen: it must be changed at the first sign-in (身份鉴别)
    await db.users.create({ username: 'admin', display_name: '系统管理员', role: 'admin', county_scope: null, password_hash: await hashPassword(password), password_must_change: !config.adminPassword })
    report.adminPassword = config.adminPassword ? null : password
  }
  if (config.loadDemo) {
    for (const u of DEMO_USERS) {
      if (await db.users.findByUsername(u.username)) continue
      await db.users.create({ ...u, county_scope: isLandRole(u.role) ? [DEMO_COUNTY] : null, password_hash: await hashPassword(DEMO_PASSWORD) })
      report.demoUsers.push(u.username)
    }
  }
  // separated duties (GB/T 22239-2019 8.1.4.2): the first security and audit officers, made like
  // the first admin (the admin may not make accounts), each with a random password printed once
  for (const [role, username, display_name] of [['security', 'security', '安全管理员'], ['audit', 'audit', '审计管理员']] as const) {
    const any = await db.one('SELECT count(*)::int AS n FROM app_user WHERE role = $1', [role], (r: { n: number }) => r.n)
    if (any || await db.users.findByUsername(username)) continue
    const password = newPassword()
    await db.users.create({ username, display_name, role, county_scope: null, password_hash: await hashPassword(password), password_must_change: true })
    report.dutyPasswords[username] = password
  }
  // the trail keeps ONEMAP_AUDIT_KEEP_DAYS (at least 180) in security_event; older rows move whole to the archive
  report.auditArchived = await db.audit.archive(config.audit.keepDays)
  return report
}

/** The same shape with every list empty: loads only what is put back in. */
function emptyLike<T extends object>(data: T): T {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Array.isArray(v) ? [] : v])) as T
}
