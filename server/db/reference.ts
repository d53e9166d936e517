/** Reference data loaded at start, from files rather than migrations because a deployment may
 * point at its own: the county boundaries and, from them, the city's extent (migration 810).
 * The file is read, checked and written whole in one transaction when its SHA-256 differs from
 * the one loaded; otherwise nothing is written, so every start after the first costs one query. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { IDatabase } from 'pg-promise'

export const DEFAULT_COUNTY_BOUNDARIES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/luoyang-counties.geojson')
// Any constant: two processes starting on one database load the file once.
const LOAD_LOCK = 4_103_000_810

/** A boundary file that cannot be used: one line naming the file and what is wrong. */
export class ReferenceDataError extends Error {}

interface BoundaryFeature {
  code: string
  name: string
  geometry: string
}

export interface BoundaryFile {
  source: string
  precisionM: number
  counties: BoundaryFeature[]
  sha256: string
}

/** Reads and checks a boundary file: a GeoJSON FeatureCollection of Polygon/MultiPolygon
 * features with properties code (6 digits) and name, lon/lat in EPSG:4490, and top-level
 * `source` and `precision_m` (how far its outlines may be off, m). */
export function readBoundaryFile(file: string): BoundaryFile {
  const bad = (why: string) => new ReferenceDataError(`county boundary file ${file}: ${why}`)
  let text: Buffer
  try {
    text = fs.readFileSync(file)
  } catch (e) {
    throw bad(`cannot be read (${(e as Error).message}); set ONEMAP_COUNTY_BOUNDARIES to a GeoJSON file of county outlines`)
  }
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(text.toString('utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>
  } catch (e) {
    throw bad(`is not JSON (${(e as Error).message})`)
  }
  if (doc?.type !== 'FeatureCollection' || !Array.isArray(doc.features)) throw bad('is not a GeoJSON FeatureCollection')
  const precisionM = doc.precision_m
  if (typeof precisionM !== 'number' || !Number.isFinite(precisionM) || precisionM < 0 || precisionM > 10_000) {
    throw bad('needs a top-level "precision_m": how far its outlines may be off, in metres (0–10000)')
  }
  if (typeof doc.source !== 'string' || !doc.source.trim()) throw bad('needs a top-level "source" saying where the outlines come from')
  const seen = new Set<string>()
  const counties = (doc.features as Record<string, unknown>[]).map((f, i) => {
    const p = (f?.properties ?? {}) as Record<string, unknown>
    const code = typeof p.code === 'string' ? p.code : typeof p.code === 'number' ? String(p.code) : ''
    if (!/^\d{6}$/.test(code)) throw bad(`feature ${i} has no 6-digit "code" property`)
    if (seen.has(code)) throw bad(`the code ${code} appears twice`)
    seen.add(code)
    if (typeof p.name !== 'string' || !p.name.trim()) throw bad(`feature ${i} (${code}) has no "name" property`)
    const g = f.geometry as { type?: string } | null
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) throw bad(`${code} ${p.name} is not a Polygon or MultiPolygon`)
    return { code, name: p.name.trim(), geometry: JSON.stringify(g) }
  })
  if (!counties.length) throw bad('has no features')
  return { source: doc.source.trim(), precisionM, counties, sha256: crypto.createHash('sha256').update(text).digest('hex') }
}

export interface BoundaryLoad {
  /** false: the same file was loaded already, nothing written */
  loaded: boolean
  counties: number
  precisionM: number
}

/** Loads the boundary file into county_boundary and city_extent unless it is loaded already. */
export async function loadCountyBoundaries(db: IDatabase<unknown>, file: string = DEFAULT_COUNTY_BOUNDARIES): Promise<BoundaryLoad> {
  const sha256 = crypto.createHash('sha256').update(readFileOrThrow(file)).digest('hex')
  const current = await db.oneOrNone('SELECT file_sha256, precision_m, (SELECT count(*)::int FROM county_boundary) AS n FROM city_extent',
    [], (r: { file_sha256: string; precision_m: number; n: number } | null) => r)
  if (current?.file_sha256 === sha256) return { loaded: false, counties: current.n, precisionM: current.precision_m }
  const data = readBoundaryFile(file)
  return db.tx('county-boundaries', async (t) => {
    await t.one('SELECT pg_advisory_xact_lock($1)', [LOAD_LOCK])
    const again = await t.oneOrNone('SELECT file_sha256 FROM city_extent', [], (r: { file_sha256: string } | null) => r?.file_sha256)
    if (again === data.sha256) return { loaded: false, counties: data.counties.length, precisionM: data.precisionM }
    await t.none('DELETE FROM city_extent_part')
    await t.none('DELETE FROM county_boundary')
    for (const c of data.counties) {
      const problem = await t.one(`SELECT CASE WHEN NOT ST_IsValid(g) THEN ST_IsValidReason(g)
                                              WHEN NOT ST_Intersects(g, ST_MakeEnvelope(73, 3, 136, 54, 4490)) THEN 'not in China (lon/lat expected)' END AS why
                                   FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4490) AS g) x`, [c.geometry], (r: { why: string | null }) => r.why)
      if (problem) throw new ReferenceDataError(`county boundary file ${file}: the outline of ${c.code} ${c.name} cannot be used: ${problem}`)
      await t.none(`INSERT INTO county_boundary (code, name, geom) VALUES ($1, $2, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($3), 4490)))`,
        [c.code, c.name, c.geometry])
    }
    // Widened on the spheroid (geography buffer), then made valid again after the round trip.
    await t.none(`INSERT INTO city_extent (id, geom, precision_m, source, file_sha256, loaded_at)
      SELECT true, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(
               ST_Buffer(ST_Union(geom)::geography, $1)::geometry, 4490)), 3)), $1, $2, $3, now()
      FROM county_boundary
      ON CONFLICT (id) DO UPDATE SET geom = EXCLUDED.geom, precision_m = EXCLUDED.precision_m, source = EXCLUDED.source,
        file_sha256 = EXCLUDED.file_sha256, loaded_at = EXCLUDED.loaded_at`,
    [data.precisionM, data.source, data.sha256])
    await t.none(`INSERT INTO county_boundary_part (code, geom)
      SELECT b.code, d.geom FROM county_boundary b, ST_Subdivide(b.geom, 128) s(g), ST_Dump(s.g) d WHERE ST_GeometryType(d.geom) = 'ST_Polygon'`)
    await t.none(`INSERT INTO city_extent_part (geom)
      SELECT d.geom FROM city_extent e, ST_Subdivide(e.geom, 128) s(g), ST_Dump(s.g) d WHERE ST_GeometryType(d.geom) = 'ST_Polygon'`)
    return { loaded: true, counties: data.counties.length, precisionM: data.precisionM }
  })
}

function readFileOrThrow(file: string): Buffer {
  try {
    return fs.readFileSync(file)
  } catch (e) {
    throw new ReferenceDataError(`county boundary file ${file} cannot be read (${(e as Error).message}); set ONEMAP_COUNTY_BOUNDARIES to a GeoJSON file of county outlines`)
  }
}
