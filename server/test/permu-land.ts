/** Test land for the per-mu and standard-land tests: lon/lat rectangles laid out in metres, their
 * area on the ellipsoid computed here in closed form (independently of PostGIS), and builders for
 * enterprises, contracts, leases and yearly figures. */
import type { Db } from '../db/pgp'
import { rect } from './tiles-fixture'

// WGS84 (the CGCS2000 ellipsoid differs by 0.1 mm in the semi-minor axis).
const A = 6378137
const F = 1 / 298.257223563
const B = A * (1 - F)
const E2 = F * (2 - F)
const E = Math.sqrt(E2)
const rad = (d: number) => (d * Math.PI) / 180

/** Authalic integrand: the area between the equator and latitude φ over one radian of longitude is b²·f(φ). */
function f(phi: number): number {
  const s = Math.sin(phi)
  return s / (2 * (1 - E2 * s * s)) + Math.log((1 + E * s) / (1 - E * s)) / (4 * E)
}

/** Area in m² of the lon/lat box [w, s, e, n] on the ellipsoid, bounded by meridians and parallels.
 * PostGIS joins the corners by geodesics, which for a box of a few hundred metres moves the area by
 * less than 1e-8 of itself. */
export function boxAreaM2([w, s, e, n]: readonly number[]): number {
  return rad(e! - w!) * B * B * (f(rad(n!)) - f(rad(s!)))
}

/** 1 mu = 10000/15 m². */
export const muOf = (m2: number) => (m2 * 15) / 10000

export type Box = [number, number, number, number]

export const boxWkt = ([w, s, e, n]: Box) => `MULTIPOLYGON(((${w} ${s},${e} ${s},${e} ${n},${w} ${n},${w} ${s})))`

/** A box `width` × `height` metres whose south-west corner is `x`, `y` metres from the origin. */
export const boxAt = (origin: [number, number], x: number, y: number, width: number, height: number): Box =>
  rect(origin, x, y, x + width, y + height)

export async function ensureCounty(db: Db, code: string, name: string): Promise<void> {
  await db.none('INSERT INTO county (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [code, name])
}

export async function insertCluster(db: Db, c: { code: string; county: string; target: number; box: Box }): Promise<void> {
  await db.none(
    `INSERT INTO cluster (code, name, short_name, county_code, target_tax_per_mu, leading_industries, boundary)
     VALUES ($1, $2, $3, $4, $5, '{装备制造}', ST_GeomFromText($6, 4490))`,
    [c.code, `${c.code}产业集聚区`, c.code, c.county, c.target, boxWkt(c.box)])
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
export const firmCode = (n: number) => `91410300MB${String(n).padStart(8, '0')}`
