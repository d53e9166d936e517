/** The roles of OneMap and who does what (DOMAIN.md "Users"): shared by the server and the web map. */

/** The land roles work with land data; `security` (安全管理员: users, roles, scopes, policies) and
 * `audit` (审计管理员: the audit trail only) are the two duty roles that level 3 of 等保 2.0 sets
 * beside the system administrator (`admin`), and see no land data (GB/T 22239-2019 8.1.4.2). */
export type LandRole = 'admin' | 'analyst' | 'surveyor' | 'inspector'
export type DutyRole = 'security' | 'audit'
export type Role = LandRole | DutyRole
/** The roles that work with land data: a land route's "every signed-in user". The duty roles are
 * never among them, so a route written with ROLES stays closed to security and audit. */
export const ROLES: readonly Role[] = ['admin', 'analyst', 'surveyor', 'inspector']
/** Every role, for the routes of one's own account (sign-in steps, password, second factor). */
export const ALL_ROLES: readonly Role[] = [...ROLES, 'security', 'audit']
/** The three separated duties: no account holds two of them (an account has one role). */
export const DUTY_ROLES: readonly Role[] = ['admin', 'security', 'audit']
export const isLandRole = (role: Role): role is LandRole => ROLES.includes(role)

/** Roles that edit the land records; inspectors record inspections and findings only. */
export const EDITORS: readonly Role[] = ['admin', 'analyst', 'surveyor']
/** Development events include inspections (巡查), which inspectors record. */
export const RECORDERS: readonly Role[] = ['admin', 'analyst', 'surveyor', 'inspector']
/** Uploads, reports and the direction of patrol work: the city's and counties' analysts. */
export const ANALYSTS: readonly Role[] = ['admin', 'analyst']
