/** A small, exact piece of the one map for the tile and map tests: two counties, two clusters,
 * plan zones, a grid of parcels (one across a tile edge), a supply contract with tax figures, an
 * approval batch, a remote-sensing change and an alert. Rectangles are laid out in metres around
 * a centre and stored in EPSG:4490 lon/lat; the test computes what it expects from the same
 * numbers, independently of PostGIS. */
import fs from 'node:fs'
import type { IDatabase } from 'pg-promise'
import { boxPolygon } from './geometry'
import { lonToTileX, latToTileY, tileBounds, type TileAddress } from '../tiles/tile-math'

export const FIXTURE_CENTRE: [number, number] = [112.45, 34.62]
/** The zoom-14 tile the fixture's parcel grid sits in. */
export const FIXTURE_TILE: TileAddress = {
  z: 14,
  x: Math.floor(lonToTileX(FIXTURE_CENTRE[0], 14)),
  y: Math.floor(latToTileY(FIXTURE_CENTRE[1], 14)),
}

// Metres per degree at the centre's latitude on the CGCS2000 ellipsoid (to 1e-4 relative: enough
// for laying rectangles out; areas are asserted with turf or from PostGIS's own generated column).
const LAT = (FIXTURE_CENTRE[1] * Math.PI) / 180
const E2 = 0.00669438002290
const A = 6378137
const W = 1 - E2 * Math.sin(LAT) ** 2
const M_PER_DEG_LON = (Math.PI / 180) * (A * Math.cos(LAT)) / Math.sqrt(W)
const M_PER_DEG_LAT = (Math.PI / 180) * (A * (1 - E2)) / (W * Math.sqrt(W))

/** A lon/lat rectangle from metres east/north of a lon/lat origin. */
export function rect(origin: [number, number], x0: number, y0: number, x1: number, y1: number): [number, number, number, number] {
  return [
    origin[0] + x0 / M_PER_DEG_LON, origin[1] + y0 / M_PER_DEG_LAT,
    origin[0] + x1 / M_PER_DEG_LON, origin[1] + y1 / M_PER_DEG_LAT,
  ]
}

export { boxPolygon } from './geometry'

export interface FixtureParcel {
  code: string
  county_code: string
  cluster_code: string
  stage: string
  box: [number, number, number, number]
}

export interface MapFixture {
  parcels: FixtureParcel[]
  /** Parcel id by code. */
  ids: Record<string, number>
  tile: TileAddress
  enterprise: { credit_code: string; name: string; tax_wan: number; price_wan: number; parcel: string }
  batchNo: string
  changeCode: string
  alertId: number
}

const STAGES = ['approved', 'supplied', 'under_construction', 'producing'] as const

export async function insertMapFixture(db: IDatabase<unknown>): Promise<MapFixture> {
  const parcels: FixtureParcel[] = []
  // 洛龙区 grid: 4 columns × 3 rows of 100 m × 80 m parcels with 30 m roads, south-west of the centre.
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 4; col++) {
      const i = row * 4 + col
      parcels.push({
        code: `LL-${String(i + 1).padStart(3, '0')}`, county_code: '410311', cluster_code: 'luolong',
        stage: STAGES[i % STAGES.length]!,
        box: rect(FIXTURE_CENTRE, -400 + col * 130, -300 + row * 110, -300 + col * 130, -220 + row * 110),
      })
    }
  }
  // One parcel across the tile's east edge: both encoders must clip it the same way.
  const east = tileBounds(FIXTURE_TILE)[2]
  parcels.push({ code: 'LL-EDGE', county_code: '410311', cluster_code: 'luolong', stage: 'supplied', box: rect([east, FIXTURE_CENTRE[1]], -60, 20, 60, 110) })
  // 涧西区 (another county's scope), north-west, in the same tile.
  parcels.push({ code: 'GX-001', county_code: '410305', cluster_code: 'gaoxin', stage: 'producing', box: rect(FIXTURE_CENTRE, -400, 200, -280, 300) })
  parcels.push({ code: 'GX-002', county_code: '410305', cluster_code: 'gaoxin', stage: 'approved', box: rect(FIXTURE_CENTRE, -250, 200, -130, 300) })

  return db.tx(async (t) => {
    await t.one("SELECT set_config('onemap.actor', 'system:test-fixture', true)")
    await t.none(`INSERT INTO county (code, name) VALUES ('410311', '洛龙区'), ('410305', '涧西区') ON CONFLICT DO NOTHING`)
    await t.none(`INSERT INTO cluster (code, name, short_name, county_code, target_tax_per_mu, leading_industries, boundary) VALUES
      ('luolong', '洛龙产业集聚区', '洛龙', '410311', 15, '{装备制造}', ST_GeomFromGeoJSON($1)),
      ('gaoxin', '高新技术产业集聚区', '高新技术', '410305', 20, '{电子信息}', ST_GeomFromGeoJSON($2))`, [
      JSON.stringify({ ...boxPolygon(rect(FIXTURE_CENTRE, -500, -400, 400, 150)), crs: CRS }),
      JSON.stringify({ ...boxPolygon(rect(FIXTURE_CENTRE, -500, 160, 0, 400)), crs: CRS }),
    ])
    await t.none(`INSERT INTO plan_zone (cluster_code, county_code, zone_type, name, geom) VALUES
      ('luolong', '410311', 'industrial', '一类工业用地', ST_GeomFromGeoJSON($1)),
      ('luolong', '410311', 'green', '防护绿地', ST_GeomFromGeoJSON($2))`, [
      JSON.stringify({ ...boxPolygon(rect(FIXTURE_CENTRE, -500, -400, 100, 150)), crs: CRS }),
      JSON.stringify({ ...boxPolygon(rect(FIXTURE_CENTRE, 100, -400, 400, 150)), crs: CRS }),
    ])
    const ids: Record<string, number> = {}
    for (const p of parcels) {
      ids[p.code] = await t.one(
        `INSERT INTO parcel (code, county_code, cluster_code, land_use, stage, geom)
         VALUES ($1, $2, $3, '工业用地', $4, ST_GeomFromGeoJSON($5)) RETURNING id`,
        [p.code, p.county_code, p.cluster_code, p.stage, JSON.stringify({ ...boxPolygon(p.box), crs: CRS })],
        (r: { id: string | number }) => Number(r.id),
      )
    }
    const enterprise = { credit_code: '91410300MA44ABCD1X', name: '洛阳示范装备制造有限公司', tax_wan: 321.5, price_wan: 1860, parcel: 'LL-004' }
    await t.none(`INSERT INTO enterprise (credit_code, name, county_code, industry) VALUES ($1, $2, '410311', '装备制造')`, [enterprise.credit_code, enterprise.name])
    await t.none(`INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_user_code, signed_on, price_wan, agreed_start_on)
      VALUES ('HT-2020-004', $1, '410311', 'grant', $2, '2020-03-01', $3, '2020-09-01')`, [ids[enterprise.parcel], enterprise.credit_code, enterprise.price_wan])
    await t.none(`INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, output_wan) VALUES ($1, 2022, 280, 9000), ($1, 2023, $2, 9800)`,
      [enterprise.credit_code, enterprise.tax_wan])
    const batchNo = '豫政土〔2019〕88号'
    const batchId: number = await t.one(`INSERT INTO approval_batch (approval_no, name, county_code, cluster_code, approved_on, geom)
      VALUES ($1, '2019年第8批次', '410311', 'luolong', '2019-06-30', ST_GeomFromGeoJSON($2)) RETURNING id`,
    [batchNo, JSON.stringify({ ...boxPolygon(rect(FIXTURE_CENTRE, -410, -310, 130, -210)), crs: CRS })], (r: { id: number }) => Number(r.id))
    const changeCode = 'BH-2023Q2-0007'
    const changeId: number = await t.one(`INSERT INTO rs_change (code, period, change_type, image_before, image_after, county_code, geom)
      VALUES ($1, '2023Q2', 'new_construction', '2023-01-15', '2023-06-20', '410311', ST_GeomFromGeoJSON($2)) RETURNING id`,
    [changeCode, JSON.stringify({ ...boxPolygon(rect(FIXTURE_CENTRE, -390, -290, -330, -250)), crs: CRS })], (r: { id: number }) => Number(r.id))
    const alertId: number = await t.one(`INSERT INTO alert (type, severity, change_id, parcel_id, batch_id, county_code, cluster_code, overlap_m2)
      VALUES ('construction_on_unsupplied', 'high', $1, $2, $3, '410311', 'luolong', 2400) RETURNING id`,
    [changeId, ids['LL-001'], batchId], (r: { id: number }) => Number(r.id))
    return { parcels, ids, tile: FIXTURE_TILE, enterprise, batchNo, changeCode, alertId }
  })
}

const CRS = { type: 'name', properties: { name: 'EPSG:4490' } }

/** The 18 clusters of fixtures/luoyang-clusters.json as squares (their centre ± half_km), with
 * their counties; clusters already there (the tile fixture's two) keep their own boundaries. */
export async function insertSeedClusters(db: IDatabase<unknown>, file: string): Promise<void> {
  const seed = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    counties: { code: string; name: string }[]
    clusters: { code: string; name: string; short_name: string; county_code: string; target_tax_per_mu: number; leading_industries: string[]; centre: [number, number]; half_km: number }[]
  }
  for (const c of seed.counties) await db.none('INSERT INTO county (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [c.code, c.name])
  for (const c of seed.clusters) {
    const h = c.half_km * 1000
    await db.none(`INSERT INTO cluster (code, name, short_name, county_code, target_tax_per_mu, leading_industries, boundary)
      VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromGeoJSON($7)) ON CONFLICT DO NOTHING`,
    [c.code, c.name, c.short_name, c.county_code, c.target_tax_per_mu, c.leading_industries,
      JSON.stringify({ ...boxPolygon(rect(c.centre, -h, -h, h, h)), crs: CRS })])
  }
}
