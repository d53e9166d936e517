/** Test data for the land routes: two counties with one cluster each, and small builders for
 * parcels and the records of a life cycle. Every test file calls seedPlaces (places.ts) on its own database. */
import type { Db } from '../db/pgp'
import { boxRing, boxWkt, squareBox } from './geometry'

export const COUNTY_A = '410311' // 洛龙区
export const COUNTY_B = '410324' // 栾川县

/** A square polygon of `size` degrees with its south-west corner at (lon, lat), as WKT. */
export const squareWkt = (lon: number, lat: number, size = 0.001): string => boxWkt(squareBox(lon, lat, size))

/** The same square as a GeoJSON Polygon. */
export const squareGeoJson = (lon: number, lat: number, size = 0.001) =>
  ({ type: 'Polygon' as const, coordinates: [boxRing(squareBox(lon, lat, size))] })

export { seedPlaces } from './places'

export interface ParcelSpec {
  code: string
  county?: string
  cluster?: string | null
  lon?: number
  lat?: number
  size?: number
  stage?: string
  landUse?: string | null
  statedAreaM2?: number | null
}

/** Inserts a parcel (as the system, not a user) and returns its id. */
export async function insertParcel(db: Db, p: ParcelSpec): Promise<number> {
  const county = p.county ?? COUNTY_A
  const row = await db.one(
    `INSERT INTO parcel (code, county_code, cluster_code, stage, land_use, stated_area_m2, geom)
     VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromText($7, 4490)) RETURNING id`,
    [p.code, county, p.cluster === undefined ? (county === COUNTY_A ? 'luolong' : 'luanchuan') : p.cluster,
     p.stage ?? 'approved', p.landUse ?? null, p.statedAreaM2 ?? null,
     squareWkt(p.lon ?? (county === COUNTY_A ? 112.45 : 111.6), p.lat ?? (county === COUNTY_A ? 34.6 : 33.8), p.size ?? 0.001)],
  )
  return row.id
}

export async function insertEnterprise(db: Db, creditCode: string, name: string, county = COUNTY_A): Promise<void> {
  await db.none('INSERT INTO enterprise (credit_code, name, county_code, industry) VALUES ($1, $2, $3, $4)',
    [creditCode, name, county, '装备制造'])
}

export async function insertContract(db: Db, c: {
  no: string; parcelId: number; county?: string; landUser?: string | null; signedOn?: string; price?: number
  agreedStart?: string | null; agreedCompletion?: string | null; standard?: boolean; terminatedOn?: string | null
}): Promise<number> {
  const row = await db.one(
    `INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_user_code, land_use, signed_on,
       price_wan, agreed_start_on, agreed_completion_on, total_investment_wan, planned_floor_area_m2, is_standard_land, term_years,
       terminated_on)
     VALUES ($1, $2, $3, 'grant', $4, '工业用地', $5, $6, $7, $8, 5000, 12000, $9, 20, $10) RETURNING id`,
    [c.no, c.parcelId, c.county ?? COUNTY_A, c.landUser ?? null, c.signedOn ?? '2019-03-01', c.price ?? 1234.5,
     c.agreedStart === undefined ? '2019-09-01' : c.agreedStart, c.agreedCompletion === undefined ? '2021-09-01' : c.agreedCompletion,
     c.standard ?? false, c.terminatedOn ?? null],
  )
  return row.id
}

export { creditCode } from './codes'
