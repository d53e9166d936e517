/** The county boundaries (fixtures/luoyang-counties.geojson) as loaded at start: valid outlines,
 * areas checked against GDAL's own computation and against the published figures, the city's
 * extent, and the loader's refusals (server/db/reference.ts, migration 810). */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { makeTempDir, removeTempDirs, run } from '../test/ingest-helpers'
import { DEFAULT_COUNTY_BOUNDARIES, ReferenceDataError, loadCountyBoundaries } from './reference'

let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => {
  await t?.drop()
  removeTempDirs()
})

const CLUSTERS = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/luoyang-clusters.json'), 'utf8')) as { counties: { code: string; name: string }[] }

/** GDAL's area of each outline, independent of PostGIS: ogr2ogr to EPSG:6933 (Lambert
 * cylindrical equal-area on the WGS 84 ellipsoid, so planar area = ellipsoidal area, to the
 * edges' densification), then OGR SQL's OGR_GEOM_AREA. */
function gdalAreas(file: string): Map<string, number> {
  const dir = makeTempDir('onemap-counties-gdal-')
  const out = join(dir, 'ea.gpkg')
  run('ogr2ogr', ['-f', 'GPKG', '-t_srs', 'EPSG:6933', '-segmentize', '0.0005', '-nln', 'c', out, file])
  const text = run('ogrinfo', ['-ro', '-q', '-geom=NO', '-dialect', 'OGRSQL', '-sql', 'SELECT code, OGR_GEOM_AREA AS a FROM c', out])
  const areas = new Map<string, number>()
  let code: string | null = null
  for (const line of text.split('\n')) {
    const c = /^\s*code \(String\) = (\d{6})/.exec(line)
    if (c) code = c[1]!
    const a = /^\s*a \(Real\) = ([\d.e+]+)/.exec(line)
    if (a && code) areas.set(code, Number(a[1]))
  }
  return areas
}

/** Published areas, km² (county and city profiles as commonly cited, rounded; 孟津区 = 孟津县
 * 758.7 + 吉利区 79.6). Their vintages differ from the 2017 outlines', so ±10 % each. The urban
 * districts and 伊川县 traded towns with 洛龙区 after the figures usually cited were published,
 * so those six are compared as one group with the remainder of the city's 15 230 km². */
const PUBLISHED_KM2: Record<string, number> = {
  '410325': 3009, '410324': 2477, '410328': 2306, '410327': 1666, '410326': 1332, '410323': 1160, '410308': 838.3, '410307': 668,
}
const CITY_KM2 = 15_230

describe('the county boundary fixture in PostGIS', () => {
  it('has the 14 counties of luoyang-clusters.json, every outline valid, in EPSG:4490', async () => {
    const rows: { code: string; name: string; valid: boolean; srid: number }[] =
      await t.db.any('SELECT code, name, ST_IsValid(geom) AS valid, ST_SRID(geom) AS srid FROM county_boundary ORDER BY code')
    expect(rows.map((r) => [r.code, r.name])).toEqual(CLUSTERS.counties.map((c) => [c.code, c.name]).sort())
    expect(rows.every((r) => r.valid && r.srid === 4490)).toBe(true)
    // 2021 changes: 吉利区 410306, 孟津县 410322 and 偃师市 410381 are gone
    expect(rows.map((r) => r.code)).not.toContain('410306')
    expect(rows.map((r) => r.code)).not.toContain('410381')
  })

  it('has ellipsoidal areas equal to GDAL\'s equal-area projection within 0.05 %', async () => {
    const gdal = gdalAreas(DEFAULT_COUNTY_BOUNDARIES)
    const rows: { code: string; area_m2: number }[] = await t.db.any('SELECT code, area_m2 FROM county_boundary')
    expect(gdal.size).toBe(14)
    for (const r of rows) expect(Math.abs(r.area_m2 - gdal.get(r.code)!) / r.area_m2, r.code).toBeLessThan(0.0005)
  })

  it('adds up to the city\'s published 15 230 km² within 1 %, each county roughly its published area', async () => {
    const rows: { code: string; km2: number }[] = await t.db.any('SELECT code, area_m2 / 1e6 AS km2 FROM county_boundary')
    const km2 = Object.fromEntries(rows.map((r) => [r.code, r.km2]))
    const total = rows.reduce((s, r) => s + r.km2, 0)
    expect(Math.abs(total - CITY_KM2) / CITY_KM2).toBeLessThan(0.01)
    for (const [code, published] of Object.entries(PUBLISHED_KM2)) {
      expect(Math.abs(km2[code]! - published) / published, `${code}: ${km2[code]} km² vs ${published}`).toBeLessThan(0.10)
    }
    const rest = rows.filter((r) => !(r.code in PUBLISHED_KM2)).reduce((s, r) => s + r.km2, 0)
    const publishedRest = CITY_KM2 - Object.values(PUBLISHED_KM2).reduce((a, b) => a + b, 0)
    expect(Math.abs(rest - publishedRest) / publishedRest).toBeLessThan(0.10)
  })

  it('tiles the city without overlaps: the outlines\' union is their sum within 0.1 km²', async () => {
    const r = await t.db.one(`SELECT sum(area_m2) AS sum, ellipsoidal_area_m2((SELECT ST_Union(geom) FROM county_boundary)) AS uni FROM county_boundary`)
    expect(Math.abs(r.sum - r.uni)).toBeLessThan(0.1e6)
  })

  it('derives the city\'s extent as the union widened by precision_m (600 m)', async () => {
    const r = await t.db.one(`SELECT e.precision_m,
        ST_Covers(e.geom, ST_SetSRID(ST_Buffer(u::geography, 590)::geometry, 4490)) AS covers_590,
        ST_Covers(e.geom, ST_SetSRID(ST_Buffer(u::geography, 620)::geometry, 4490)) AS covers_620
      FROM city_extent e, (SELECT ST_Union(geom) AS u FROM county_boundary) x`)
    expect(r).toEqual({ precision_m: 600, covers_590: true, covers_620: false })
  })

  it('cuts each outline and the extent into pieces of at most 128 vertices that add up to them', async () => {
    // Compared in the plane of the coordinates, where cutting is exact; on the spheroid the cut
    // points on long edges move those edges by a hair (1e-5 of the area), which no check notices.
    const r = await t.db.one(`SELECT
        (SELECT max(abs(ST_Area(b.geom) - x.a) / ST_Area(b.geom)) FROM county_boundary b
           JOIN (SELECT code, sum(ST_Area(geom)) AS a FROM county_boundary_part GROUP BY code) x ON x.code = b.code) AS county_diff,
        (SELECT count(DISTINCT code)::int FROM county_boundary_part) AS counties,
        (SELECT max(ST_NPoints(geom)) FROM county_boundary_part) AS most_vertices,
        abs((SELECT ST_Area(geom) FROM city_extent) - (SELECT sum(ST_Area(geom)) FROM city_extent_part)) / (SELECT ST_Area(geom) FROM city_extent) AS extent_diff`)
    expect(r.counties).toBe(14)
    expect(r.most_vertices).toBeLessThanOrEqual(128)
    expect(r.county_diff).toBeLessThan(1e-9)
    expect(r.extent_diff).toBeLessThan(1e-9)
  })
})

describe('loadCountyBoundaries', () => {
  it('does nothing when the same file is loaded already', async () => {
    expect(await loadCountyBoundaries(t.db)).toEqual({ loaded: false, counties: 14, precisionM: 600 })
  })

  it('replaces the boundaries and the extent with another file, and refuses a broken one leaving them as they were', async () => {
    const dir = makeTempDir('onemap-counties-')
    const doc = JSON.parse(readFileSync(DEFAULT_COUNTY_BOUNDARIES, 'utf8'))
    const two = { ...doc, precision_m: 0, features: doc.features.filter((f: { properties: { code: string } }) => ['410311', '410305'].includes(f.properties.code)) }
    const twoFile = join(dir, 'two.geojson')
    writeFileSync(twoFile, JSON.stringify(two))
    expect(await loadCountyBoundaries(t.db, twoFile)).toEqual({ loaded: true, counties: 2, precisionM: 0 })
    const after = await t.db.one(`SELECT (SELECT count(*)::int FROM county_boundary) AS n,
      abs(ellipsoidal_area_m2(e.geom) - (SELECT sum(area_m2) FROM county_boundary)) < 1e5 AS extent_is_union FROM city_extent e`)
    expect(after).toEqual({ n: 2, extent_is_union: true })

    const bowTie = { ...two, features: [{ type: 'Feature', properties: { code: '410399', name: '测试县' },
      geometry: { type: 'Polygon', coordinates: [[[112, 34], [112.1, 34.1], [112.1, 34], [112, 34.1], [112, 34]]] } }] }
    const bad = join(dir, 'bad.geojson')
    writeFileSync(bad, JSON.stringify(bowTie))
    await expect(loadCountyBoundaries(t.db, bad)).rejects.toThrow(/410399 测试县 cannot be used: Self-intersection/)
    await expect(loadCountyBoundaries(t.db, bad)).rejects.toBeInstanceOf(ReferenceDataError)
    const noPrecision = join(dir, 'np.geojson')
    writeFileSync(noPrecision, JSON.stringify({ ...two, precision_m: undefined }))
    await expect(loadCountyBoundaries(t.db, noPrecision)).rejects.toThrow(/np\.geojson: needs a top-level "precision_m"/)
    await expect(loadCountyBoundaries(t.db, join(dir, 'missing.geojson'))).rejects.toThrow(/missing\.geojson cannot be read/)
    expect(await t.db.one('SELECT count(*)::int AS n FROM county_boundary', [], (r) => r.n)).toBe(2)

    expect(await loadCountyBoundaries(t.db)).toEqual({ loaded: true, counties: 14, precisionM: 600 })
  })
})
