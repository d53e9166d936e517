/** The roles of OneMap and who does what (DOMAIN.md "Users"): shared by the server and the web map. */
export type Role = 'admin' | 'analyst' | 'surveyor' | 'inspector'
export const ROLES: readonly Role[] = ['admin', 'analyst', 'surveyor', 'inspector']

/** Roles that edit the land records; inspectors record inspections and findings only. */
export const EDITORS: readonly Role[] = ['admin', 'analyst', 'surveyor']
/** Development events include inspections (巡查), which inspectors record. */
export const RECORDERS: readonly Role[] = ['admin', 'analyst', 'surveyor', 'inspector']
/** Uploads, reports and the direction of patrol work: the city's and counties' analysts. */
export const ANALYSTS: readonly Role[] = ['admin', 'analyst']
