/** What the alert tests share: shapes in metres (server/test/scenario.ts) measured independently
 * of PostGIS (proj4 to lon/lat, then a Lambert equal-area projection on GRS80 and the shoelace
 * formula; 0.01 % agreement with PostGIS's spheroidal area at these sizes), change polygons with
 * an explicit period, and reading the candidates of analysis.alert_candidates. */
import type { IDatabase } from 'pg-promise'
import { shapeAreaM2 } from './geometry'
import { rectWkt, type Shape } from './scenario'

/** Ellipsoidal area (m²) of a shape given in metres on EPSG:4546 from ORIGIN (geometry.ts). */
export const areaOf = shapeAreaM2

/** Relative tolerance of area comparisons: PostGIS measures on the spheroid, we on an equal-area
 * projection of the same ellipsoid; they agree to well under 0.01 % on shapes of a few hundred m. */
export const AREA_TOLERANCE = 1e-4

export function expectClose(actual: number, expected: number, tolerance = AREA_TOLERANCE): void {
  const rel = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-9)
  if (rel > tolerance) throw new Error(`${actual} differs from ${expected} by ${(rel * 100).toFixed(4)} % (tolerance ${tolerance * 100} %)`)
}

let serial = 0

/** A change polygon with its period and image dates given. */
export async function insertChange(db: IDatabase<unknown>, o: {
  rect: Shape; period: string; imageAfter: string; imageBefore?: string; type?: string; county?: string | null; code?: string
}): Promise<number> {
  const before = o.imageBefore ?? null
  return db.one(
    `INSERT INTO rs_change (code, period, change_type, image_before, image_after, county_code, geom)
     VALUES ($1, $2, $3, coalesce($4::date, $5::date - 90), $5, $6, ST_Multi(ST_Transform(ST_GeomFromText($7, 4546), 4490)))
     RETURNING id`,
    [o.code ?? `T-${++serial}`, o.period, o.type ?? 'new_construction', before, o.imageAfter,
      o.county === undefined ? '410311' : o.county, rectWkt(o.rect)],
    (r: { id: number }) => r.id,
  )
}

export interface Candidate {
  type: string
  severity: string
  subject_key: string
  change_id: number | null
  root_change_id: number | null
  parcel_id: number | null
  batch_id: number | null
  contract_id: number | null
  county_code: string
  cluster_code: string | null
  overlap_m2: number | null
  overlap_share: number | null
  reason: Record<string, any>
}

/** The candidates at a date for these changes (NULL: every change and the parcel scan), with their reasons. */
export async function candidates(db: IDatabase<unknown>, asOf: string, changeIds: number[] | null, types: string[] | null = null): Promise<Candidate[]> {
  return db.any(
    `SELECT type, severity, subject_key, change_id, root_change_id, parcel_id, batch_id, contract_id, county_code::text AS county_code,
            cluster_code, overlap_m2, overlap_share, reason
     FROM analysis.alert_candidates_explained($1, $2::bigint[], $3::text[]) ORDER BY type, subject_key, change_id`,
    [asOf, changeIds, types],
  )
}
