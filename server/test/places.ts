/** The counties and clusters a test's land lies in: one builder for each, and the two sets the
 * tests use — two counties with a cluster each (the land routes' tests), Luoyang's 14 counties
 * with the clusters uploads land in (the upload tests). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Db } from '../db/pgp'
import { boxWkt, squareBox } from './geometry'

export async function insertCounty(db: Db, code: string, name: string): Promise<void> {
  await db.none('INSERT INTO county (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [code, name])
}

export interface ClusterSpec {
  code: string; name?: string; short?: string; county: string; target: number; industries?: string[]
  /** The boundary, a MULTIPOLYGON in EPSG:4490. */
  wkt: string
}

export async function insertCluster(db: Db, c: ClusterSpec, onConflict: 'fail' | 'skip' = 'fail'): Promise<void> {
  await db.none(
    `INSERT INTO cluster (code, name, short_name, county_code, target_tax_per_mu, leading_industries, boundary)
     VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromText($7, 4490)) ${onConflict === 'skip' ? 'ON CONFLICT DO NOTHING' : ''}`,
    [c.code, c.name ?? `${c.code}产业集聚区`, c.short ?? c.code, c.county, c.target, c.industries ?? ['装备制造'], c.wkt])
}

export interface PlaceSet { counties: { code: string; name: string }[]; clusters: ClusterSpec[] }

/** 洛龙区 and 栾川县, a cluster over each (0.2° squares). */
export const LAND_PLACES: PlaceSet = {
  counties: [{ code: '410311', name: '洛龙区' }, { code: '410324', name: '栾川县' }],
  clusters: [
    { code: 'luolong', name: '洛龙产业集聚区', short: '洛龙', county: '410311', target: 15, industries: ['装备制造'], wkt: boxWkt(squareBox(112.40, 34.55, 0.2)) },
    { code: 'luanchuan', name: '栾川产业集聚区', short: '栾川', county: '410324', target: 20, industries: ['钼钨'], wkt: boxWkt(squareBox(111.55, 33.75, 0.2)) },
  ],
}

/** Luoyang's 14 counties (the county of an upload is where its shape lies, so any of them may be
 * met), a cluster over 112.35–112.6°E, 34.55–34.75°N named 洛龙's (ingest's test squares at
 * 112.4°E, 34.6°N lie in 洛龙区's real outline), and one of 新安县 west of it. */
export function uploadPlaces(): PlaceSet {
  const { counties } = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/luoyang-clusters.json'), 'utf8')) as
    { counties: { code: string; name: string }[] }
  // the rings as ST_MakeEnvelope draws them (clockwise from the south-west corner)
  const envelope = (w: number, s: number, e: number, n: number) => `MULTIPOLYGON(((${w} ${s},${w} ${n},${e} ${n},${e} ${s},${w} ${s})))`
  return {
    counties,
    clusters: [
      { code: 'luolong', name: '洛龙产业集聚区', short: '洛龙', county: '410311', target: 15, industries: [], wkt: envelope(112.35, 34.55, 112.6, 34.75) },
      { code: 'xinan', name: '新安县产业集聚区', short: '新安', county: '410323', target: 20, industries: [], wkt: envelope(112.0, 34.6, 112.2, 34.8) },
    ],
  }
}

/** Inserts a set of places; those already there are kept. */
export async function seedPlaces(db: Db, set: PlaceSet = LAND_PLACES): Promise<void> {
  for (const c of set.counties) await insertCounty(db, c.code, c.name)
  for (const c of set.clusters) await insertCluster(db, c, 'skip')
}
