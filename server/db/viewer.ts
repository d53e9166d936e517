/** Who is asking, answered once per request (plugins/viewer.ts sets `request.viewer`) and passed to
 * every repository, tile and report: the account, its role, the counties it may see (applied in
 * SQL), whether it may see enterprise tax, output and price (app.config.sensitiveRoles; DOMAIN.md
 * "Governance"), the event-log actor of its writes (一地一档), and today in Luoyang. */
import { isLandRole, type Role } from '../common/roles'
import type { User } from './repos/users'

/** The counties a caller may see: null, the whole city; [] none (not signed in). */
export type Scope = string[] | null

export interface Viewer {
  readonly user: User | null
  readonly userId: number | null
  readonly username: string | null
  readonly role: Role | null
  /** Applied in SQL by every read and write: a record outside it answers like a missing one. */
  readonly scope: Scope
  /** May see (and write) the values of sensitive_keys() (sql/functions/land-1-sensitive.sql). */
  readonly sensitive: boolean
  /** 'user:<name>' for the event log (db/actor.ts); null when not signed in. */
  readonly actor: string | null
  /** Today in China Standard Time, YYYY-MM-DD: the working day the county offices mean. */
  readonly today: string
}

/** What a read needs of the viewer (the benchmark builds one directly). */
export type ReadViewer = Pick<Viewer, 'scope' | 'sensitive'>

/** The time zone of the city's working day; SQL's luoyang_today() uses the same. */
export const CITY_TIME_ZONE = 'Asia/Shanghai'

const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: CITY_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })

/** Today in Luoyang (China Standard Time), whatever the server's zone; SQL: luoyang_today(). */
export function todayInBeijing(now = new Date()): string {
  return DAY.format(now)
}

/** The one definition of who may see (and write) sensitive values: a signed-in role among
 * app.config.sensitiveRoles (DOMAIN.md "Governance"). The tile variants use it per role. */
export function maySeeSensitive(role: Role | null, sensitiveRoles: readonly Role[]): boolean {
  // the duty roles (security, audit) see no land data, whatever the setting (separated duties;
  // config.ts refuses them in ONEMAP_SENSITIVE_ROLES too)
  return role !== null && isLandRole(role) && sensitiveRoles.includes(role)
}

/** The viewer of a signed-in user (or of nobody): the one place that decides scope and sensitivity. */
export function viewerFor(user: User | null, sensitiveRoles: readonly Role[]): Viewer {
  let today: string | undefined
  return {
    user,
    userId: user?.id ?? null,
    username: user?.username ?? null,
    role: user?.role ?? null,
    scope: user ? user.county_scope : [],
    sensitive: maySeeSensitive(user?.role ?? null, sensitiveRoles),
    actor: user ? `user:${user.username}` : null,
    // computed when first asked for: tiles and cards never need it
    get today() {
      return (today ??= todayInBeijing())
    },
  }
}

/** The viewer of work the system does on its own (scheduled scans, start-up, the import CLI): the
 * whole city, every value, under the given actor ('system:scheduler', 'cli:import'). */
export function systemViewer(actor: string): Viewer {
  return { ...viewerFor(null, []), scope: null, sensitive: true, actor }
}
