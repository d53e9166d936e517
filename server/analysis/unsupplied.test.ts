/** 批而未供: remainder polygons and areas checked against an independent computation (the same
 * survey coordinates projected with proj4, overlaid with turf, measured on the GRS80 ellipsoid
 * with an equal-area projection), slivers, digestion, and totals that add up exactly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import proj4 from 'proj4'
import * as turf from '@turf/turf'
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { ORIGIN, Scenario, shapeRing, type Shape } from '../test/scenario'

const GK_111 = '+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
const LAEA = '+proj=laea +lat_0=34.6 +lon_0=112.5 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs'

/** A shape in metres from ORIGIN as a lon/lat polygon, projected by proj4 (not by PostGIS). */
function lonLat(shape: Shape): Feature<Polygon> {
  const ring = shapeRing(shape).map(([x, y]) => proj4(GK_111, 'WGS84', [ORIGIN.x + x, ORIGIN.y + y]) as Position)
  return turf.polygon([[...ring, ring[0]!]])
}

function ringArea(ring: Position[]): number {
  const p = ring.map((c) => proj4('WGS84', LAEA, c as [number, number]))
  let a = 0
  for (let i = 0; i < p.length - 1; i++) a += p[i]![0]! * p[i + 1]![1]! - p[i + 1]![0]! * p[i]![1]!
  return Math.abs(a) / 2
}

/** Ellipsoidal area by the equal-area (Lambert azimuthal) projection: each piece in m². */
function pieceAreas(f: Feature<Polygon | MultiPolygon> | null): number[] {
  if (!f) return []
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates
  return polys.map((rings) => ringArea(rings[0]!) - rings.slice(1).reduce((s, r) => s + ringArea(r), 0))
}

function independentRemainder(batch: Shape, supplied: Shape[]): number[] {
  const b = lonLat(batch)
  if (supplied.length === 0) return pieceAreas(b)
  const cover = supplied.length === 1 ? lonLat(supplied[0]!) : turf.union(turf.featureCollection(supplied.map(lonLat)))
  return pieceAreas(turf.difference(turf.featureCollection([b, cover as Feature<Polygon | MultiPolygon>])))
}

let t: TestDatabase
let s: Scenario

beforeAll(async () => {
  t = await createTestDatabase()
  s = new Scenario(t.db, '410311')
  await s.ensureCounty()
})
afterAll(async () => t.drop())

async function remainder(asOf: string, batch: number) {
  return t.db.one(
    `SELECT u.*, ST_GeometryType(u.geom) AS gtype, ST_IsValid(u.geom) AS valid, ST_NumGeometries(u.geom) AS parts
     FROM analysis.unsupplied($1, $2::bigint[]) u`, [asOf, [batch]])
}

describe('批而未供 remainder', () => {
  // A 300 m × 200 m batch approved in 2016 (old stock). A covers the left third from 2019, B a
  // square from mid-2021, L (an L shape) most of the right from 2022 leaving a 0.8 m × 0.8 m
  // corner (a sliver under 1 m²); C has no contract and does not count.
  const batch: Shape = [[0, 0], [100, 0], [200, 0], [300, 0], [300, 100], [300, 199.2], [300, 200], [299.2, 200], [200, 200], [100, 200], [0, 200], [0, 100]]
  const A: Shape = [[0, 0], [100, 0], [100, 100], [100, 200], [0, 200], [0, 100]]
  const B: Shape = [[100, 0], [200, 0], [200, 100], [100, 100]]
  const C: Shape = [[200, 0], [300, 0], [300, 100], [200, 100]]
  const L: Shape = [[100, 100], [200, 100], [300, 100], [300, 199.2], [299.2, 199.2], [299.2, 200], [200, 200], [100, 200]]
  let id: number

  beforeAll(async () => {
    const cl = await s.cluster({ rect: [-1000, -1000, 3000, 3000] })
    id = await s.batch({ rect: batch, approvedOn: '2016-05-01', cluster: cl })
    const a = await s.parcel({ rect: A, cluster: cl })
    const b = await s.parcel({ rect: B, cluster: cl })
    await s.parcel({ rect: C, cluster: cl })
    const l = await s.parcel({ rect: L, cluster: cl })
    await s.contract({ parcel: a, signedOn: '2019-03-01' })
    await s.contract({ parcel: b, signedOn: '2021-06-01' })
    await s.contract({ parcel: l, signedOn: '2022-04-01' })
  })

  it.each([
    ['2018-12-31', [] as Shape[]],
    ['2020-12-31', [A]],
    ['2021-12-31', [A, B]],
  ])('as of %s matches turf + proj4 within 0.1%%', async (asOf, supplied) => {
    const r = await remainder(asOf, id)
    const pieces = independentRemainder(batch, supplied)
    const expected = pieces.reduce((x, y) => x + y, 0)
    expect(Math.abs(r.remainder_m2 - expected) / expected).toBeLessThan(0.001)
    expect(r.sliver_count).toBe(0)
    expect(r.gtype).toBe('ST_MultiPolygon')
    expect(r.valid).toBe(true)
    expect(r.remainder_mu).toBeCloseTo((r.remainder_m2 * 15) / 10000, 6)
    expect(r.supplied_m2 + r.remainder_m2 + r.sliver_m2).toBeCloseTo(r.batch_m2, 2)
    expect(r.digestion_rate).toBeCloseTo((r.batch_m2 - r.remainder_m2) / r.batch_m2, 6)
    expect(r.old_stock).toBe(true)
  })

  it('drops the 0.64 m² corner as a sliver, counts it, and keeps the 100 m × 100 m of C', async () => {
    const r = await remainder('2022-12-31', id)
    const pieces = independentRemainder(batch, [A, B, L])
    const kept = pieces.filter((a) => a >= 1)
    const dropped = pieces.filter((a) => a < 1)
    expect(kept).toHaveLength(1)
    expect(dropped).toHaveLength(1)
    expect(Math.abs(r.remainder_m2 - kept[0]!) / kept[0]!).toBeLessThan(0.001)
    expect(r.sliver_count).toBe(1)
    expect(r.sliver_m2).toBeCloseTo(dropped[0]!, 2)
    expect(r.parts).toBe(1)
    expect(r.reason.measured.sliver_count).toBe(1)
    expect(r.reason.thresholds[0]).toMatchObject({ key: 'sliver_m2', value: 1 })
  })

  it('a county sliver tolerance of 0.5 m² from 2023 keeps the corner from then on', async () => {
    await s.ensureCounty('410323', '新安测试')
    const c = new Scenario(t.db, '410323')
    const other = await c.batch({ rect: batch, approvedOn: '2016-05-01' })
    const l = await c.parcel({ rect: L })
    const a = await c.parcel({ rect: A })
    const b = await c.parcel({ rect: B })
    for (const p of [l, a, b]) await c.contract({ parcel: p, signedOn: '2022-04-01' })
    await c.rule({ key: 'sliver_m2', value: 0.5, from: '2023-01-01' })
    expect((await remainder('2022-12-31', other)).sliver_count).toBe(1)
    const r = await remainder('2023-01-01', other)
    expect(r.sliver_count).toBe(0)
    expect(r.parts).toBe(2)
  })
})

describe('批而未供 totals', () => {
  it('per cluster add up to the county and city totals exactly; progress against the targets', async () => {
    await s.ensureCounty('410324', '栾川测试')
    const c = new Scenario(t.db, '410324')
    const k1 = await c.cluster({ rect: [10_000, 0, 2000, 2000] })
    const k2 = await c.cluster({ rect: [13_000, 0, 2000, 2000] })
    // Batch sizes with areas that do not round nicely, in two clusters and outside any.
    const mk = async (x: number, cl: string | null, approvedOn: string, suppliedOn: string | null) => {
      const b = await c.batch({ rect: [x, 0, 123.457, 87.651], approvedOn, cluster: cl })
      if (suppliedOn) {
        const p = await c.parcel({ rect: [x, 0, 61.7285, 87.651], cluster: cl })
        await c.contract({ parcel: p, signedOn: suppliedOn })
      }
      return b
    }
    await mk(10_100, k1, '2016-01-01', '2021-03-01')
    await mk(10_400, k1, '2019-01-01', null)
    await mk(13_100, k2, '2017-06-01', '2022-03-01')
    await mk(13_400, k2, '2020-06-01', '2019-01-01')
    await mk(20_000, null, '2015-01-01', null)
    const sum = await t.db.one(`SELECT analysis.summary('2022-06-30', ARRAY['410324']) AS j`, [], (r) => r.j)
    const add = (rows: any[], f: (u: any) => number) => rows.reduce((x, r) => x + f(r.unsupplied), 0)
    expect(sum.clusters.map((r: any) => r.cluster_code)).toEqual([k1, k2, null])
    for (const f of [(u: any) => u.remainder_m2, (u: any) => u.batch_m2, (u: any) => u.sliver_m2, (u: any) => u.batches, (u: any) => u.remainder_mu]) {
      // Exact: numeric sums in SQL, compared as the decimal strings JSON carries.
      expect(add(sum.clusters, f).toFixed(6)).toBe(f(sum.city.unsupplied).toFixed(6))
      expect(add(sum.counties, f).toFixed(6)).toBe(f(sum.city.unsupplied).toFixed(6))
    }
    expect(sum.city.unsupplied.batches).toBe(5)
    expect(sum.city.unsupplied.old_stock.batches).toBe(3)
    const p = sum.city.unsupplied.progress
    // Stock at the baseline 2020-12-31, in half-batches: 2 + 2 + 2 + 1 (half supplied in 2019) + 2 = 9.
    // Since then two halves were supplied (2021-03, 2022-03): 2 of 9.
    expect(p.share_since_baseline).toBeCloseTo(2 / 9, 4)
    // Stock at the start of 2022: 8 halves; one supplied in 2022: 1/8 < 30%.
    expect(p.share_this_year).toBeCloseTo(1 / 8, 4)
    expect(p.yearly_target_met).toBe(false)
    // Old stock (approved before 2018): 2+2+2 halves at baseline, 2 supplied since.
    expect(p.old_stock_share).toBeCloseTo(2 / 6, 4)
    expect(p.old_stock_target_met).toBe(false)
  })
})

describe('regressions', () => {
  it('one row per batch, whether its remainder is one piece, several pieces, a sliver, or nothing (a UNION ALL of an aggregate once gave two)', async () => {
    await s.ensureCounty('410325', '嵩县测试')
    const c = new Scenario(t.db, '410325')
    const whole = await c.batch({ rect: [30_000, 0, 100, 100], approvedOn: '2019-01-01' })
    const two = await c.batch({ rect: [30_200, 0, 300, 100], approvedOn: '2019-01-01' })
    const none = await c.batch({ rect: [30_600, 0, 100, 100], approvedOn: '2019-01-01' })
    const middle = await c.parcel({ rect: [30_300, 0, 100, 100] })
    const all = await c.parcel({ rect: [30_600, 0, 100, 100] })
    for (const p of [middle, all]) await c.contract({ parcel: p, signedOn: '2020-01-01' })
    const rows = await t.db.any('SELECT batch_id, remainder_m2 FROM analysis.unsupplied($1, $2::bigint[]) ORDER BY batch_id', ['2021-01-01', [whole, two, none]])
    expect(rows.map((x) => x.batch_id)).toEqual([whole, two, none])
    expect(rows[0].remainder_m2).toBeGreaterThan(9900)
    expect(rows[1].remainder_m2).toBeGreaterThan(19_800)
    expect(rows[2].remainder_m2).toBe(0)
  })

  it('a batch with nothing supplied keeps its whole (MultiPolygon) shape as the remainder (a NULL test once dropped it)', async () => {
    const c = new Scenario(t.db, '410325')
    const b = await c.batch({ rect: [31_000, 0, 120, 80], approvedOn: '2019-01-01' })
    const r = await remainder('2021-01-01', b)
    expect(r.remainder_m2).toBe(r.batch_m2)
    expect(r.remainder_m2).toBeGreaterThan(9500)
    expect(r.parts).toBe(1)
  })
})
