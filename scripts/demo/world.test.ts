/** Where the generator puts land, checked by PostGIS against the product's own reference outlines
 * (county_boundary, loaded from fixtures/luoyang-counties.geojson as the service loads it): every
 * generated parcel lies within the county it names, and within the cluster it names unless it is
 * a built case of a parcel outside its cluster; every cell of the overflow lattice, out to the
 * edge of the city (what a benchmark set of a million parcels reaches), lies within the county
 * its parcels take. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { budget } from '../../server/test/budget'
import { createTestDatabase, type TestDatabase } from '../../server/test/db'
import { CASE_BATCHES } from './cases'
import { DEMO_CASES, generateDemo } from './generate'
import { OverflowLattice, buildWorld } from './world'

describe('generated land lies in the county and cluster it names', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => {
    await database?.drop()
  })

  // 6000 parcels over the fewest batches: ~5000 of them beyond what the clusters' batches hold.
  it('every parcel of a small world: ST_Within its county outline, and its cluster', async () => {
    const demo = generateDemo({ parcels: 6000, batches: 18 + CASE_BATCHES.length, changes: 100 })
    const overflow = demo.parcels.filter((p) => p.cluster_code === null).length
    expect(overflow).toBeGreaterThan(4000)
    await database.db.none(`CREATE TEMP TABLE gen AS
      SELECT code, county_code, cluster_code, ST_SetSRID(ST_GeomFromGeoJSON(geom), 4490) AS geom
        FROM json_to_recordset($1::json) AS x(code text, county_code text, cluster_code text, geom text)`,
    [JSON.stringify(demo.parcels.map((p) => ({ code: p.code, county_code: p.county_code, cluster_code: p.cluster_code, geom: JSON.stringify(p.geom) })))])
    await database.db.none(`CREATE TEMP TABLE gen_cluster AS
      SELECT code, ST_SetSRID(ST_GeomFromGeoJSON(boundary), 4490) AS boundary FROM json_to_recordset($1::json) AS x(code text, boundary text)`,
    [JSON.stringify(demo.clusters.map((c) => ({ code: c.code, boundary: JSON.stringify(c.boundary) })))])
    const counted = await database.db.one(`SELECT count(*)::int AS n, count(DISTINCT g.county_code)::int AS counties,
        count(*) FILTER (WHERE b.code IS NOT NULL AND ST_Within(g.geom, b.geom))::int AS within
      FROM gen g LEFT JOIN county_boundary b ON b.code = g.county_code`)
    expect(counted).toEqual({ n: 6000, counties: counted.counties, within: 6000 })
    expect(counted.counties).toBeGreaterThanOrEqual(10)

    // The built cases of land outside its cluster are outside by design (DOMAIN.md's outside_cluster).
    const outsideByDesign = DEMO_CASES.filter((c) => c.classification === 'outside_cluster' && c.expect && c.subject === 'parcel').map((c) => c.code)
    expect(outsideByDesign.length).toBeGreaterThan(0)
    const strays = await database.db.map(`SELECT g.code FROM gen g LEFT JOIN gen_cluster c ON c.code = g.cluster_code
      WHERE g.cluster_code IS NOT NULL AND (c.code IS NULL OR NOT ST_Within(g.geom, c.boundary)) ORDER BY 1`, [], (r: { code: string }) => r.code)
    expect(strays).toEqual([...outsideByDesign].sort())
    // … and land outside every cluster meets none.
    const touching = await database.db.one(`SELECT count(*)::int AS n FROM gen g JOIN gen_cluster c ON ST_Intersects(g.geom, c.boundary)
      WHERE g.cluster_code IS NULL`, [], (r: { n: number }) => r.n)
    expect(touching).toBe(0)
  }, budget(20_000))

  it('every cell of the overflow lattice out to the city edge: ST_Within the county it gives its parcels', async () => {
    const world = buildWorld(20210428, 150, CASE_BATCHES)
    const lattice = new OverflowLattice(world.clusters)
    const cells = [...lattice.cells()].map((c) => ({
      county: c.county.code, w: lattice.frame.lon(c.rect.x0), s: lattice.frame.lat(c.rect.y0), e: lattice.frame.lon(c.rect.x1), n: lattice.frame.lat(c.rect.y1),
    }))
    // the city is ~15 000 km²: cells of 1 km² within one county, outside the clusters' margins
    expect(cells.length).toBeGreaterThan(10_000)
    const r = await database.db.one(`SELECT count(*)::int AS n, count(DISTINCT x.county)::int AS counties,
        count(*) FILTER (WHERE b.code IS NOT NULL AND ST_Within(ST_MakeEnvelope(x.w, x.s, x.e, x.n, 4490), b.geom))::int AS within
      FROM json_to_recordset($1::json) AS x(county text, w float8, s float8, e float8, n float8)
      LEFT JOIN county_boundary b ON b.code = x.county`, [JSON.stringify(cells)])
    expect(r).toEqual({ n: cells.length, counties: 14, within: cells.length })
  }, budget(20_000))
})
