/** Test land for the per-mu and standard-land tests: lon/lat rectangles laid out in metres, their
 * area on the ellipsoid computed here in closed form (independently of PostGIS), and builders for
 * enterprises, contracts, leases and yearly figures. */
import type { Db } from '../db/pgp'
import { rect } from './tiles-fixture'
import { boxWkt, type Box } from './geometry'
import { insertCluster as insertPlace, insertCounty } from './places'
import { creditCode } from './codes'

export { boxAreaM2, boxWkt, muOf, type Box } from './geometry'

/** A box `width` × `height` metres whose south-west corner is `x`, `y` metres from the origin. */
export const boxAt = (origin: [number, number], x: number, y: number, width: number, height: number): Box =>
  rect(origin, x, y, x + width, y + height)

export const ensureCounty = insertCounty

export async function insertCluster(db: Db, c: { code: string; county: string; target: number; box: Box }): Promise<void> {
  await insertPlace(db, { code: c.code, county: c.county, target: c.target, wkt: boxWkt(c.box) })
}

export async function insertParcelBox(db: Db, p: { code: string; county: string; cluster: string | null; box: Box; landUse?: string }): Promise<number> {
  return (await db.one(
    `INSERT INTO parcel (code, county_code, cluster_code, stage, land_use, geom)
     VALUES ($1, $2, $3, 'producing', $4, ST_GeomFromText($5, 4490)) RETURNING id`,
    [p.code, p.county, p.cluster, p.landUse ?? '工业用地', boxWkt(p.box)])).id
}

export async function insertFirm(db: Db, code: string, name: string, county: string,
  o: { aboveScale?: boolean; retrofit?: boolean } = {}): Promise<void> {
  await db.none(`INSERT INTO enterprise (credit_code, name, county_code, industry, above_scale, intelligent_retrofit)
    VALUES ($1, $2, $3, '装备制造', $4, $5)`, [code, name, county, o.aboveScale ?? false, o.retrofit ?? false])
}

export async function grant(db: Db, c: {
  no: string; parcelId: number; county: string; landUser: string | null; signedOn: string; terminatedOn?: string | null
  standard?: boolean; landUse?: string; agreedCompletion?: string | null
}): Promise<number> {
  return (await db.one(
    `INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_user_code, land_use, signed_on,
       agreed_start_on, agreed_completion_on, is_standard_land, term_years, terminated_on)
     VALUES ($1, $2, $3, 'grant', $4, $5, $6, NULL, $7, $8, 20, $9) RETURNING id`,
    [c.no, c.parcelId, c.county, c.landUser, c.landUse ?? '工业用地', c.signedOn, c.agreedCompletion ?? null,
     c.standard ?? false, c.terminatedOn ?? null])).id
}

export async function lease(db: Db, l: { parcelId: number; county: string; landholder: string; tenant: string; startsOn: string; endsOn?: string | null }): Promise<void> {
  await db.none(`INSERT INTO lease (parcel_id, county_code, landholder_code, tenant_code, starts_on, ends_on)
    VALUES ($1, $2, $3, $4, $5, $6)`, [l.parcelId, l.county, l.landholder, l.tenant, l.startsOn, l.endsOn ?? null])
}

export interface Figures {
  tax?: number; refund?: number; output?: number | null; valueAdded?: number | null; energy?: number | null
  employment?: number | null; profit?: number | null; rating?: 'A' | 'B' | 'C' | 'D' | null
}

export async function figures(db: Db, code: string, year: number, v: Figures): Promise<void> {
  await db.none(`INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, tax_refund_wan, output_wan, value_added_wan,
      energy_tce, employment, profit_wan, rating)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  [code, year, v.tax ?? 0, v.refund ?? 0, v.output ?? null, v.valueAdded ?? null, v.energy ?? null, v.employment ?? null,
   v.profit ?? null, v.rating ?? null])
}

/** A credit code (统一社会信用代码 pattern) from a number. */
export const firmCode = (n: number) => creditCode(n, 'MB')
