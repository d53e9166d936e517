/** Helpers for the governance tests: areas computed independently of PostGIS (the survey
 * rectangle in EPSG:4546 metres projected with proj4 to lon/lat, then measured with an
 * equal-area projection on the GRS80 ellipsoid), and rows that carry the day they were recorded
 * (ledger entries, alerts), which the reports read as of a date. */
import type { IDatabase } from 'pg-promise'
import { shapeAreaM2 } from './geometry'

/** Ellipsoidal area (m²) of a shape given in metres on EPSG:4546 from ORIGIN (geometry.ts). */
export const trueArea = shapeAreaM2

export { muOf as mu } from './geometry'

/** A disposal-ledger entry recorded on a given day (Beijing time). */
export async function ledgerEntry(db: IDatabase<unknown>, o: {
  parcel: number; measure: string; deadline: string; recordedOn: string; completedOn?: string | null; unit?: string
}): Promise<number> {
  return db.one(
    `INSERT INTO disposal_ledger (parcel_id, county_code, measure, deadline, responsible_unit, completed_on, created_at)
     SELECT p.id, p.county_code, $2, $3, $4, $5, ($6::date + time '10:00') AT TIME ZONE 'Asia/Shanghai' FROM parcel p WHERE p.id = $1
     RETURNING id`,
    [o.parcel, o.measure, o.deadline, o.unit ?? '县自然资源局', o.completedOn ?? null, o.recordedOn], (r: { id: number }) => r.id)
}

/** A patrol alert opened on a given day, due on another, closed (or not) on a third. */
export async function alertRow(db: IDatabase<unknown>, o: {
  parcel: number | null; county: string; cluster: string | null; openedOn: string; dueOn: string
  status?: string; closedOn?: string | null; type?: string
}): Promise<number> {
  return db.one(
    `INSERT INTO alert (type, severity, status, parcel_id, county_code, cluster_code, due_on, created_at, closed_at)
     VALUES ($1, 'medium', $2, $3, $4, $5, $6, ($7::date + time '09:00') AT TIME ZONE 'Asia/Shanghai',
             ($8::date + time '16:00') AT TIME ZONE 'Asia/Shanghai')
     RETURNING id`,
    [o.type ?? 'construction_on_idle', o.status ?? (o.closedOn ? 'closed' : 'assigned'), o.parcel, o.county, o.cluster, o.dueOn,
      o.openedOn, o.closedOn ?? null], (r: { id: number }) => r.id)
}
