/** Unchanged means unchanged (一地一档 records what changed, not what was sent again): one survey,
 * committed once from a zone-prefixed GBK shapefile (EPSG:4525), then sent again as GDAL wrote it
 * in EPSG:4546 (with its rings started at another vertex), EPSG:4547 and as an RFC 7946 GeoJSON
 * (rings turned the other way), is `unchanged` for every parcel each time: no version, no event-log
 * entry. A real change (a shape moved 5 cm, a new owner) is reported before the commit with the
 * fields that change and is the only thing the commit writes; a shape moved 5 mm is not a change. */
import { join } from 'node:path'
import * as turf from '@turf/turf'
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { makeTempDir, removeTempDirs, run, writeJson, writeShapefile, zipCli } from '../../test/ingest-helpers'
import { LUOLONG, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'

let t: TestApp
let auth: { authorization: string }
let dir: string

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  auth = await t.loginAs('analyst', [LUOLONG])
  dir = makeTempDir('onemap-upload-unchanged-')
})

afterAll(async () => {
  await t?.close()
  removeTempDirs()
})

/** Metres of latitude per degree at 34.6°N on the GRS80 ellipsoid (M = a(1−e²)/(1−e² sin²φ)^1.5,
 * times π/180): how far a shift of the test moves a shape, computed by hand. */
const M_PER_DEG_LAT = (() => {
  const a = 6378137
  const e2 = 0.00669438002290
  const s = Math.sin((34.6 * Math.PI) / 180)
  return ((a * (1 - e2)) / Math.pow(1 - e2 * s * s, 1.5)) * (Math.PI / 180)
})()

const OWNERS = ['洛阳栾川钼业集团股份有限公司', '中信重工机械股份有限公司（洛阳）', '洛阳镕晟新材料有限公司', '张三丰', '洛阳市瀍河回族区“新型”建材厂', '李四', '洛阳一拖股份有限公司', '王五']

/** Eight parcels inside the 洛龙 test cluster (112.35–112.6°E, 34.55–34.75°N), between the CM 111°E
 * and 114°E zones so that both may carry them: irregular quadrilaterals, one with a hole, one in
 * two parts. */
function survey(): FeatureCollection<Polygon | MultiPolygon> {
  const features: Feature<Polygon | MultiPolygon>[] = OWNERS.map((owner, i) => {
    const lon = 112.45 + (i % 4) * 0.004
    const lat = 34.60 + Math.floor(i / 4) * 0.004
    const outer: Position[] = [[lon, lat], [lon + 0.0021, lat + 0.0002], [lon + 0.0019, lat + 0.0018], [lon - 0.0001, lat + 0.0016], [lon, lat]]
    let geometry: Polygon | MultiPolygon = { type: 'Polygon', coordinates: [outer] }
    if (i === 2) {
      const hole: Position[] = [[lon + 0.0006, lat + 0.0006], [lon + 0.0006, lat + 0.001], [lon + 0.001, lat + 0.001], [lon + 0.001, lat + 0.0006], [lon + 0.0006, lat + 0.0006]]
      geometry = { type: 'Polygon', coordinates: [outer, hole] }
    }
    if (i === 5) {
      const part: Position[] = [[lon + 0.0025, lat], [lon + 0.0032, lat], [lon + 0.0032, lat + 0.0007], [lon + 0.0025, lat + 0.0007], [lon + 0.0025, lat]]
      geometry = { type: 'MultiPolygon', coordinates: [[outer], [part]] }
    }
    const f: Feature<Polygon | MultiPolygon> = {
      type: 'Feature',
      properties: { 宗地编号: `410311-U-${String(i + 1).padStart(3, '0')}`, 权利人: owner, 土地用途: i % 3 ? '工业用地' : '仓储用地', 行政区代码: LUOLONG },
      geometry,
    }
    f.properties!['用地面积'] = Math.round(turf.area(f) * 100) / 100
    return f
  })
  return { type: 'FeatureCollection', features }
}

/** Every ring started at its third vertex instead of its first (the same ring, as another tool writes it). */
function rotateRings(fc: FeatureCollection<Polygon | MultiPolygon>): FeatureCollection<Polygon | MultiPolygon> {
  const rotate = (ring: Position[]) => {
    const open = ring.slice(0, -1)
    const r = [...open.slice(2), ...open.slice(0, 2)]
    return [...r, r[0]!]
  }
  return {
    ...fc,
    features: fc.features.map((f) => ({
      ...f,
      geometry: f.geometry.type === 'Polygon'
        ? { type: 'Polygon', coordinates: f.geometry.coordinates.map(rotate) }
        : { type: 'MultiPolygon', coordinates: f.geometry.coordinates.map((p) => p.map(rotate)) },
    })),
  }
}

/** The same collection moved north by `metres` (features whose index is in `which`). */
function shifted(fc: FeatureCollection<Polygon | MultiPolygon>, which: number[], metres: number): FeatureCollection<Polygon | MultiPolygon> {
  const d = metres / M_PER_DEG_LAT
  const move = (ring: Position[]) => ring.map(([x, y]) => [x!, y! + d])
  return {
    ...fc,
    features: fc.features.map((f, i) => !which.includes(i) ? f : ({
      ...f,
      geometry: f.geometry.type === 'Polygon'
        ? { type: 'Polygon', coordinates: f.geometry.coordinates.map(move) }
        : { type: 'MultiPolygon', coordinates: f.geometry.coordinates.map((p) => p.map(move)) },
    })),
  }
}

let n = 0
/** The collection as a zipped GBK shapefile in `epsg`, written by GDAL, with .prj and .cpg. */
function shapefileZip(fc: FeatureCollection, epsg: number): { path: string; shp: string } {
  const d = join(dir, `s${n++}`)
  run('mkdir', ['-p', d])
  const shp = writeShapefile(d, fc, { epsg, name: '宗地' })
  return { path: zipCli(join(d, `survey-${epsg}.zip`), d, ['宗地.shp', '宗地.shx', '宗地.dbf', '宗地.prj', '宗地.cpg']), shp }
}

async function send(path: string) {
  const body = multipart({ layer: 'parcels' }, uploadFile(path))
  const res = await t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...auth } })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; report: Record<string, unknown> & { issues: unknown[] } }
}
const commit = async (id: string) => {
  const res = await t.app.inject({ method: 'POST', url: `/api/uploads/${id}/commit`, headers: auth, payload: {} })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const logCount = () => t.app.db.one("SELECT count(*)::int AS n FROM event_log WHERE entity = 'parcel'", [], (r) => r.n as number)
const versions = () => t.app.db.map("SELECT version FROM parcel WHERE code LIKE '410311-U-%' ORDER BY code", [], (r) => r.version as number)

describe('the same survey sent again', () => {
  const src = survey()
  const N = src.features.length

  it('is committed once from EPSG:4525', async () => {
    const first = await send(shapefileZip(src, 4525).path)
    expect(first.report.issues).toEqual([])
    expect(first.report).toMatchObject({ featureCount: N, new: N, existing: 0, changed: 0, unchanged: 0, changes: [] })
    expect(await commit(first.id)).toEqual({ inserted: N, updated: 0, unchanged: 0 })
    expect(await versions()).toEqual(Array(N).fill(1))
  })

  const resends: [string, () => string][] = [
    ['a GDAL shapefile in EPSG:4546 with every ring started elsewhere', () => shapefileZip(rotateRings(src), 4546).path],
    ['a GDAL shapefile in EPSG:4547 (CM 114°E)', () => shapefileZip(src, 4547).path],
    ['an RFC 7946 GeoJSON in EPSG:4326 written by GDAL from the EPSG:4547 shapefile (rings turned)', () => {
      const { shp } = shapefileZip(src, 4547)
      const out = join(dir, `survey-${n++}.geojson`)
      run('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'RFC7946=YES', '-lco', 'COORDINATE_PRECISION=12', out, shp])
      return out
    }],
  ]
  it.each(resends)('is unchanged for every parcel as %s: no version, no history entry', async (_name, make) => {
    const log = await logCount()
    const again = await send(make())
    expect(again.report.issues).toEqual([])
    expect(again.report).toMatchObject({ featureCount: N, accepted: N, new: 0, existing: N, changed: 0, unchanged: N, changes: [] })
    expect(await commit(again.id)).toEqual({ inserted: 0, updated: 0, unchanged: N })
    expect(await logCount()).toBe(log)
    expect(await versions()).toEqual(Array(N).fill(1))
    const file = await t.app.inject({ method: 'GET', url: '/api/parcels/410311-U-003/history', headers: auth })
    expect(file.json().events.filter((e: { entity: string }) => e.entity === 'parcel').map((e: { type: string }) => e.type)).toEqual(['registration'])
  })

  it('a shape moved 5 mm is the same shape; moved 5 cm, or with a new owner, it is a change, named before the commit', async () => {
    // A move keeps the area, so only the 1 cm distance decides; 5 mm and 5 cm are set by hand above.
    const edited = shifted(shifted(src, [0], 0.005), [1], 0.05)
    edited.features[3]!.properties!['权利人'] = '赵六'
    const path = join(dir, 'edited.geojson')
    writeJson(path, edited)
    const log = await logCount()
    const res = await send(path)
    expect(res.report).toMatchObject({ new: 0, existing: N, changed: 2, unchanged: N - 2 })
    expect(res.report.changes).toEqual([
      { index: 1, source: 'edited.geojson', sourceIndex: 1, key: '410311-U-002', fields: ['geometry'] },
      { index: 3, source: 'edited.geojson', sourceIndex: 3, key: '410311-U-004', fields: ['owner_name'] },
    ])
    expect(await commit(res.id)).toEqual({ inserted: 0, updated: 2, unchanged: N - 2 })
    expect(await logCount()).toBe(log + 2)
    expect(await versions()).toEqual([1, 2, 1, 2, 1, 1, 1, 1])
    const moved = await t.app.db.one(
      `SELECT ST_Distance(ST_Centroid(geom)::geography, ST_Centroid(ST_SetSRID(ST_GeomFromGeoJSON($1), 4490))::geography) AS d FROM parcel WHERE code = '410311-U-002'`,
      [JSON.stringify(src.features[1]!.geometry)])
    expect(moved.d).toBeCloseTo(0.05, 3)
    const kept = await t.app.db.one(
      `SELECT ST_Distance(ST_Centroid(geom)::geography, ST_Centroid(ST_SetSRID(ST_GeomFromGeoJSON($1), 4490))::geography) AS d FROM parcel WHERE code = '410311-U-001'`,
      [JSON.stringify(src.features[0]!.geometry)])
    // the stored shape stays as first committed (from 4525), not the one moved 5 mm
    expect(kept.d).toBeLessThan(0.001)
    const owner = await t.app.db.one("SELECT owner_name FROM parcel WHERE code = '410311-U-004'", [], (r) => r.owner_name)
    expect(owner).toBe('赵六')
  })
})
