/** Counties (区县) as geography: their outlines and the city's extent (migration 810, loaded by
 * server/db/reference.ts), and where a box of coordinates lands in candidate CRSs (the CRS
 * decision of uploads, server/ingest/crs-decide.ts). */
import type { IDatabase, IMain } from 'pg-promise'
import type { CountyCollection, CityExtent } from '../../../schemas/county'
import { sqlLoader } from '../../sql'

const sql = sqlLoader(import.meta.url)
const Q = { list: sql('list.sql'), extent: sql('extent.sql'), place: sql('place.sql') }

/** Where a box of source coordinates lands when read in one CRS. */
export interface Placement {
  epsg: number
  /** [west, south, east, north], EPSG:4490 */
  bbox: [number, number, number, number]
  /** The box meets the city's extent. */
  intersects: boolean
  /** The box lies within the city's bounding box and meets its extent: a plausible reading. */
  fits: boolean
  /** Distance from the city's extent, km (0 when it meets it). */
  distanceKm: number
  /** Counties the box meets, the largest share first. */
  counties: { code: string; name: string }[]
}

export class CountiesRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  /** Null when no boundaries are loaded. */
  async list(): Promise<CountyCollection | null> {
    return this.db.oneOrNone(Q.list, [], (r: { collection: CountyCollection } | null) => r?.collection ?? null)
  }

  async extent(): Promise<CityExtent | null> {
    return this.db.oneOrNone(Q.extent, [], (r: { feature: CityExtent } | null) => r?.feature ?? null)
  }

  /** Where `bbox` (source coordinates) lands in each SRID; empty when no boundaries are loaded. */
  async place(bbox: readonly [number, number, number, number], epsgs: readonly number[]): Promise<Placement[]> {
    const [minX, minY, maxX, maxY] = bbox
    const step = Math.max(maxX - minX, maxY - minY, 1e-6) / 8
    const rows: { epsg: number; bbox: Placement['bbox']; intersects: boolean; fits: boolean; distance_km: number; counties: Placement['counties'] }[] =
      await this.db.any(Q.place, { epsgs: [...epsgs], minX, minY, maxX, maxY, step })
    return rows.map((r) => ({ epsg: r.epsg, bbox: r.bbox, intersects: r.intersects, fits: r.fits, distanceKm: r.distance_km, counties: r.counties }))
  }
}
