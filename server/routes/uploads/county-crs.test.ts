/** Survey files from outside land in the right place and county, or are refused saying why:
 * shapefiles written by GDAL (GBK, EPSG:4525/4546/4547, with and without .prj), the CRS decided
 * from the file and its coordinates against the city's extent (never from who uploads), the
 * county from the data (column, outline, code prefix), and jurisdiction. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as turf from '@turf/turf'
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { makeTempDir, removeTempDirs, square, writeJson, writeShapefile, zipCli } from '../../test/ingest-helpers'
import { DEFAULT_COUNTY_BOUNDARIES, loadCountyBoundaries } from '../../db/reference'
import { LUOLONG, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'

const COUNTIES = JSON.parse(readFileSync(DEFAULT_COUNTY_BOUNDARIES, 'utf8')) as FeatureCollection<MultiPolygon, { code: string; name: string }>
const outline = (code: string) => COUNTIES.features.find((f) => f.properties.code === code)!
const JIANXI = '410305'

let t: TestApp
let admin: { authorization: string }
let analyst: { authorization: string }
let dir: string

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  admin = await t.loginAs('admin', null)
  analyst = await t.loginAs('analyst', [LUOLONG], 'analyst.luolong')
  dir = makeTempDir('onemap-county-crs-')
})
afterAll(async () => {
  await t?.close()
  removeTempDirs()
})

const OWNERS = ['洛阳栾川钼业集团股份有限公司', '中信重工机械股份有限公司（洛阳）', '洛阳镕晟新材料有限公司', '一拖（洛阳）柴油机有限公司']

/** Four ~90 m parcels from a south-west corner, 0.006° apart, with a county survey's fields. */
function survey(codePrefix: string, lon: number, lat: number, extra: (i: number) => Record<string, unknown> = () => ({})): FeatureCollection<Polygon> {
  const features: Feature<Polygon>[] = OWNERS.map((owner, i) => {
    const geometry = square(lon + (i % 2) * 0.006, lat + Math.floor(i / 2) * 0.006, 0.001)
    return {
      type: 'Feature', geometry,
      properties: { 宗地编号: `${codePrefix}-${String(i + 1).padStart(3, '0')}`, 权利人: owner, 土地用途: '工业用地',
        用地面积: Math.round(turf.area(geometry) * 100) / 100, ...extra(i) },
    }
  })
  return { type: 'FeatureCollection', features }
}

let n = 0
/** The survey as a zipped GBK shapefile by GDAL in `epsg`, without the parts in `drop`. */
function shapefileZip(fc: FeatureCollection, epsg: number, drop: string[] = []): string {
  const shp = writeShapefile(makeTempDir('onemap-county-crs-shp-'), fc, { epsg, name: '宗地图' })
  const base = shp.replace(/\.shp$/, '')
  for (const p of drop) rmSync(`${base}.${p}`, { force: true })
  const parts = ['shp', 'shx', 'dbf', 'prj', 'cpg'].filter((p) => !drop.includes(p))
  return zipCli(join(dir, `u${n++}.zip`), base.slice(0, base.lastIndexOf('/')), parts.map((p) => `宗地图.${p}`))
}

async function upload(file: string, who: { authorization: string }, fields: Record<string, string> = {}) {
  const body = multipart({ layer: 'parcels', ...fields }, uploadFile(file))
  return t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...who } })
}
async function commit(id: string, who: { authorization: string }, body: Record<string, boolean> = {}) {
  return t.app.inject({ method: 'POST', url: `/api/uploads/${id}/commit`, headers: who, payload: body })
}

describe('a contractor\'s survey of 涧西区, outside every cluster, delivered five ways', () => {
  const CASES = [
    { name: 'GBK shapefile in EPSG:4525 with .prj and .cpg', epsg: 4525, drop: [] as string[], crs: 4525, source: 'prj' },
    { name: 'GBK shapefile in EPSG:4547 with .prj, no .cpg', epsg: 4547, drop: ['cpg'], crs: 4547, source: 'prj' },
    { name: 'GBK shapefile in EPSG:4546 without .prj (6-digit eastings)', epsg: 4546, drop: ['prj'], crs: 4546, source: 'inferred' },
    { name: 'GBK shapefile in EPSG:4525 without .prj (zone-prefixed eastings)', epsg: 4525, drop: ['prj'], crs: 4525, source: 'inferred' },
    { name: 'GeoJSON in EPSG:4326', epsg: 4326, drop: [], crs: 4326, source: 'rfc7946' },
  ]
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s: committed in 涧西区, decided by its outline', async (_n, c, i) => {
    // west of the test cluster (112.35°E), more than 600 m inside 涧西区's outline
    const fc = survey(`${JIANXI}-JX${i}`, 112.29 + i * 0.0012, 34.60 + i * 0.0012)
    const file = c.epsg === 4326 ? writeJson(join(dir, `jx${i}.geojson`), fc) : shapefileZip(fc, c.epsg, c.drop)
    const res = await upload(file, admin)
    expect(res.statusCode, res.body).toBe(201)
    const { id, report } = res.json()
    const u = (await t.app.inject({ url: `/api/uploads/${id}`, headers: admin })).json()
    expect(u.description.sources[0].crs).toMatchObject({ epsg: c.crs, source: c.source })
    expect(report.counties).toEqual([{ code: JIANXI, name: '涧西区', source: 'boundary', features: 4 }])
    expect(report.byCode).toEqual({ outside_cluster: 4 })
    expect(report).toMatchObject({ accepted: 4, rejected: 0 })
    const preview = (await t.app.inject({ url: `/api/uploads/${id}/features`, headers: admin })).json()
    expect(preview.features.map((f: { properties: Record<string, unknown> }) => [f.properties.county_code, f.properties.county_name, f.properties.county_source]))
      .toEqual(Array(4).fill([JIANXI, '涧西区', 'boundary']))
    const done = await commit(id, admin, { acceptWarnings: true })
    expect(done.json()).toEqual({ inserted: 4, updated: 0, unchanged: 0 })
    const rows = await t.app.db.any('SELECT code, county_code, cluster_code, owner_name FROM parcel WHERE code LIKE $1 ORDER BY code', [`${JIANXI}-JX${i}-%`])
    expect(rows.map((r) => [r.county_code, r.cluster_code, r.owner_name])).toEqual(OWNERS.map((o) => [JIANXI, null, o]))
  })
})

describe('the zone of 6-digit eastings comes from the coordinates, not from who uploads', () => {
  it('is the same for an admin and for a county analyst (analyst.luolong), who may commit it', async () => {
    const fc = survey('LL6', 112.50, 34.59)
    const zip = shapefileZip(fc, 4546, ['prj'])
    const seen = []
    for (const who of [admin, analyst]) {
      const res = await upload(zip, who)
      expect(res.statusCode, res.body).toBe(201)
      const u = (await t.app.inject({ url: `/api/uploads/${res.json().id}`, headers: who })).json()
      seen.push({ crs: u.description.sources[0].crs.epsg, reason: u.description.sources[0].crs.reason, bbox: u.report.bbox, counties: u.report.counties })
    }
    expect(seen[1]).toEqual(seen[0])
    expect(seen[0]!.crs).toBe(4546)
    expect(seen[0]!.reason).toMatch(/only CM 111°E puts the data inside the city .*洛龙区/)
    // the staged corners are where GDAL put them (lon/lat in, 4546 out, back to 4490 here), to 1e-7°
    expect(seen[0]!.bbox[0]).toBeCloseTo(112.50, 7)
    expect(seen[0]!.bbox[1]).toBeCloseTo(34.59, 7)
    expect(seen[0]!.counties).toEqual([{ code: LUOLONG, name: '洛龙区', source: 'boundary', features: 4 }])
  })

  it('places 偃师区 data surveyed in CM 114°E (EPSG:4547) in CM 114°E: the other zone would put it 270 km west', async () => {
    const res = await upload(shapefileZip(survey('YS6', 112.80, 34.70), 4547, ['prj']), admin)
    expect(res.statusCode, res.body).toBe(201)
    const u = (await t.app.inject({ url: `/api/uploads/${res.json().id}`, headers: admin })).json()
    expect(u.description.sources[0].crs).toMatchObject({ epsg: 4547, source: 'inferred' })
    expect(u.report.counties).toEqual([{ code: '410307', name: '偃师区', source: 'boundary', features: 4 }])
  })

  it('refuses data no zone puts in the city (郑州, 113.7°E), listing the nearest zones and where each would put it', async () => {
    const res = await upload(shapefileZip(survey('ZZ', 113.70, 34.75), 4547, ['prj']), admin)
    expect(res.statusCode).toBe(422)
    const body = res.json()
    expect(body.code).toBe('crs_zone_none')
    expect(body.message).toMatch(/no zone puts the data inside the city/)
    const byEpsg = new Map(body.detail.candidates.map((c: { epsg: number }) => [c.epsg, c]))
    // CM 111°E puts it at 110.7°E (三门峡, west of 洛宁县), CM 114°E where it is (郑州): both outside
    const cm111 = byEpsg.get(4546) as { bbox: number[]; fits: boolean; distanceKm: number }
    const cm114 = byEpsg.get(4547) as { bbox: number[]; fits: boolean; distanceKm: number }
    expect(cm111.fits).toBe(false)
    expect(cm114.fits).toBe(false)
    expect(cm114.bbox[0]).toBeCloseTo(113.70, 3)
    expect(cm111.bbox[0]).toBeCloseTo(110.70, 2)
    expect(cm111.distanceKm).toBeGreaterThan(0)
    expect(body.message).toMatch(/EPSG:4547 \(CM 114°E\) → 113\.[67]\d\d–113\.70\d°E, [\d.–]+°N: outside the city, \d+ km away/)
    expect(body.message).toMatch(/EPSG:4547（中央经线 114°E） → 113\.[67]\d\d–113\.70\d°E, [\d.–]+°N：市域以外 \d+ km/)
  })

  it('cannot fit two zones in Luoyang: the city spans 1.86° of longitude, and two zones place the same file exactly 3° apart', async () => {
    // The honest case: a file fits a zone when its box lands inside the city's bounding box; the
    // same eastings read in the neighbouring zone land 3° away (GK is the same projection about
    // another meridian), which no box inside a city narrower than 3° can do twice.
    const { west, east } = await t.app.db.one('SELECT ST_XMin(geom) AS west, ST_XMax(geom) AS east FROM city_extent')
    expect(east - west).toBeLessThan(3)
    expect(east - west).toBeGreaterThan(1.8)
  })
})

describe('a jurisdiction wider than 3° of longitude (a province; the extent is configurable)', () => {
  let w: TestApp
  let wAdmin: { authorization: string }
  beforeAll(async () => {
    w = await createTestApp()
    const file = join(makeTempDir('onemap-two-zones-'), 'two-zones.geojson')
    const box = (w: number, s: number, e: number, n: number) => ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] })
    writeFileSync(file, JSON.stringify({
      type: 'FeatureCollection', source: 'test: two counties 3° apart', precision_m: 0,
      features: [
        { type: 'Feature', properties: { code: '410311', name: '西县（CM 111°E 侧）' }, geometry: box(111.9, 34.5, 112.1, 34.7) },
        { type: 'Feature', properties: { code: '410305', name: '东县（CM 114°E 侧）' }, geometry: box(114.9, 34.5, 115.1, 34.7) },
      ],
    }))
    await loadCountyBoundaries(w.database.db, file)
    wAdmin = await w.loginAs('admin', null)
  })
  afterAll(async () => w?.close())

  it('refuses a 6-digit file that fits two zones, listing both with where they would put it', async () => {
    const zip = shapefileZip(survey('TZ', 112.0, 34.6), 4546, ['prj'])
    const body = multipart({ layer: 'parcels' }, uploadFile(zip))
    const res = await w.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...wAdmin } })
    expect(res.statusCode).toBe(422)
    const err = res.json()
    expect(err.code).toBe('crs_zone_ambiguous')
    expect(err.detail.candidates.map((c: { epsg: number; counties: { name: string }[] }) => [c.epsg, c.counties.map((k) => k.name)])).toEqual([
      [4546, ['西县（CM 111°E 侧）']],
      [4547, ['东县（CM 114°E 侧）']],
    ])
    expect(err.detail.candidates[1].bbox[0] - err.detail.candidates[0].bbox[0]).toBeCloseTo(3, 6)
    expect(err.message).toMatch(/EPSG:4546 \(CM 111°E\) → 112\.000–112\.00\d°E, 34\.600–34\.607°N: 西县/)
    expect(err.message).toMatch(/EPSG:4547（中央经线 114°E） → 115\.000–115\.00\d°E, 34\.600–34\.607°N：东县/)
  })
})

describe('a CRS the user states', () => {
  it('refuses 4547 data without a .prj stated as EPSG:4546 (275 km west), naming the zone that fits', async () => {
    const zip = shapefileZip(survey(`${JIANXI}-ST1`, 112.36, 34.64), 4547, ['prj'])
    const res = await upload(zip, admin, { crs: 'EPSG:4546' })
    expect(res.statusCode).toBe(422)
    const err = res.json()
    expect(err.code).toBe('crs_outside_city')
    expect(err.message).toMatch(/read as EPSG:4546, which you stated, puts the data at 109\.\d+–109\.\d+°E.*wholly outside it/)
    expect(err.message).toMatch(/^宗地图\.shp 按您指定的 EPSG:4546 读取，数据将落在 109\.\d+–109\.\d+°E, .*完全在市域范围以外/)
    expect(err.message).toMatch(/read as EPSG:4547 \(CM 114°E\) → 112\.360–112\.36\d°E, 34\.640–34\.647°N: 涧西区 it would lie inside the city/)
    expect(err.detail.candidates.map((c: { epsg: number }) => c.epsg)).toEqual([4547])
    expect(await t.app.db.one("SELECT count(*)::int AS n FROM parcel WHERE code LIKE '410305-ST1-%'", [], (r) => r.n)).toBe(0)
  })

  it('refuses a stated CRS that contradicts the .prj unless confirmed, saying which is which; confirmed, it is refused as outside the city', async () => {
    const zip = shapefileZip(survey(`${JIANXI}-ST2`, 112.36, 34.645), 4547)
    const refused = await upload(zip, admin, { crs: 'EPSG:4546' })
    expect(refused.statusCode).toBe(422)
    expect(refused.json().code).toBe('crs_stated_conflict')
    expect(refused.json().message).toContain('you stated EPSG:4546; 宗地图.prj says EPSG:4547')
    const confirmed = await upload(zip, admin, { crs: 'EPSG:4546', confirmCrs: 'true' })
    expect(confirmed.statusCode).toBe(422)
    expect(confirmed.json().code).toBe('crs_outside_city')
    // stating what the .prj says is no conflict
    const same = await upload(zip, admin, { crs: '4547' })
    expect(same.statusCode, same.body).toBe(201)
  })

  it('refuses a confirmCrs that is not a yes or no', async () => {
    const res = await upload(writeJson(join(dir, 'c.geojson'), survey('CF', 112.5, 34.59)), admin, { crs: 'EPSG:4490', confirmCrs: 'maybe' })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/"confirmCrs" must be true or false/)
  })
})

describe('near the 涧西区 / 洛龙区 boundary (hand-checked with turf on the same outlines)', () => {
  /** Share of a parcel in each county and its distance to 涧西区, by turf (spherical, independent of PostGIS). */
  function handCheck(p: Polygon) {
    const f = turf.feature(p)
    const share = (code: string) => (turf.area(turf.intersect(turf.featureCollection<Polygon | MultiPolygon>([f, outline(code)])) ?? turf.polygon([[[0, 0], [0, 0], [0, 0], [0, 0]]])) || 0) / turf.area(f)
    const km = Math.min(...p.coordinates[0]!.map((c) => turf.pointToPolygonDistance(turf.point(c), outline(JIANXI), { units: 'kilometers' })))
    return { luolong: share(LUOLONG), jianxi: share(JIANXI), km }
  }

  it('puts each parcel in the county holding most of it, and warns where the code names another county beyond 600 m', async () => {
    // The outlines' common edge runs from 112.3779°E 34.5986°N to 112.3838°E 34.6016°N here.
    const straddle = square(112.3795, 34.5975, 0.003) // across the edge, mostly south-east of it (洛龙区)
    const near = square(112.3826, 34.5950, 0.0008) // wholly in 洛龙区, a few hundred metres from 涧西区
    const far = square(112.3894, 34.5886, 0.0008) // wholly in 洛龙区, more than a kilometre away
    const checks = [straddle, near, far].map(handCheck)
    expect(checks[0]!.luolong).toBeGreaterThan(0.7)
    expect(checks[0]!.jianxi).toBeGreaterThan(0.05)
    expect(checks[0]!.luolong + checks[0]!.jianxi).toBeCloseTo(1, 3)
    expect(checks[1]!.luolong).toBeCloseTo(1, 6)
    expect(checks[1]!.km).toBeLessThan(0.6)
    expect(checks[2]!.luolong).toBeCloseTo(1, 6)
    expect(checks[2]!.km).toBeGreaterThan(0.6)

    // All three coded as 涧西区 parcels (prefix 410305), one more with a county column naming 涧西区.
    const column = square(112.3894, 34.5870, 0.0008)
    const fc: FeatureCollection<Polygon> = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: straddle, properties: { 宗地编号: '410305-NB-001' } },
        { type: 'Feature', geometry: near, properties: { 宗地编号: '410305-NB-002' } },
        { type: 'Feature', geometry: far, properties: { 宗地编号: '410305-NB-003' } },
        { type: 'Feature', geometry: column, properties: { 宗地编号: 'NB-004', 行政区代码: JIANXI } },
      ],
    }
    const res = await upload(writeJson(join(dir, 'near.geojson'), fc), admin)
    expect(res.statusCode, res.body).toBe(201)
    const { id, report } = res.json()
    const preview = (await t.app.inject({ url: `/api/uploads/${id}/features`, headers: admin })).json()
    const props = preview.features.map((f: { properties: { key: string; county_code: string; county_source: string; issues: { code: string; message: string }[] } }) => f.properties)
    expect(props.map((p: { key: string; county_code: string; county_source: string }) => [p.key, p.county_code, p.county_source])).toEqual([
      ['410305-NB-001', LUOLONG, 'boundary'],
      ['410305-NB-002', LUOLONG, 'boundary'],
      ['410305-NB-003', LUOLONG, 'boundary'],
      ['NB-004', JIANXI, 'column'],
    ])
    const warnings = (i: number) => props[i].issues.filter((x: { code: string }) => /mismatch/.test(x.code))
    expect(warnings(0)).toEqual([]) // touches 涧西区: within the outlines' precision
    expect(warnings(1)).toEqual([]) // under 600 m from it
    expect(warnings(2)).toHaveLength(1)
    expect(warnings(2)[0].code).toBe('code_prefix_mismatch')
    expect(warnings(2)[0].message).toContain('the code 410305-NB-003 starts with 410305 (涧西区) but the feature is recorded in 410311 洛龙区')
    const km = Number(/lies ([\d.]+) km from 涧西区/.exec(warnings(2)[0].message)![1])
    expect(Math.abs(km - checks[2]!.km)).toBeLessThan(0.1)
    expect(warnings(3)).toHaveLength(1)
    expect(warnings(3)[0].code).toBe('county_mismatch')
    expect(warnings(3)[0].message).toContain('the county column says 410305 涧西区 but the shape lies in 410311 洛龙区')
    expect(report.counties).toEqual([
      { code: LUOLONG, name: '洛龙区', source: 'boundary', features: 3 },
      { code: JIANXI, name: '涧西区', source: 'column', features: 1 },
    ])
  })

  it('settles the county at the edge itself: a parcel with a side on the common edge, one touching it at a vertex, and a grid of parcels across it, each ring starting at another corner', async () => {
    // Two vertices of the common edge as the file has them (the outlines are on a 1/1024° grid, so
    // these coordinates are exact): the edge between them runs along 34.5986328125°N, 涧西区 north of it.
    const [west, east, y] = [112.3779296875, 112.37890625, 34.5986328125]
    const below: Polygon = { type: 'Polygon', coordinates: [[[west, y], [west, y - 0.0005], [east, y - 0.0005], [east, y], [west, y]]] }
    const above: Polygon = { type: 'Polygon', coordinates: [[[east, y], [east, y + 0.0005], [west, y + 0.0005], [west, y], [east, y]]] }
    // touching the edge at its vertex only, from the south-east
    const corner: Polygon = { type: 'Polygon', coordinates: [[[east, y], [east + 0.0006, y - 0.0001], [east + 0.0004, y - 0.0007], [east, y]]] }
    // 150 m squares: a grid of 4.6 × 4 km across the edge, and one of 22 × 18 km over the six
    // counties round it; the ring of each starts at another corner
    const grid: Polygon[] = []
    const corners = [...Array.from({ length: 16 * 14 }, (_, k) => [112.3600 + (k % 16) * 0.0029, 34.5800 + Math.floor(k / 16) * 0.0029]),
      ...Array.from({ length: 24 * 18 }, (_, k) => [112.2800 + (k % 24) * 0.01, 34.5200 + Math.floor(k / 24) * 0.01])]
    for (const [i, [lon, lat]] of corners.entries()) {
      const ring = square(lon!, lat!, 0.0015).coordinates[0]!.slice(0, 4)
      const k = (i + Math.floor(i / 16)) % 4
      const turned = [...ring.slice(k), ...ring.slice(0, k)]
      grid.push({ type: 'Polygon', coordinates: [[...turned, turned[0]!]] })
    }
    const shapes = [below, above, corner, ...grid]
    // the county holding most of each, by turf against every outline whose box meets it; an
    // axis-aligned rectangle's part of an outline is the outline clipped to it (Sutherland-Hodgman,
    // linear in the outline's vertices: intersecting 659 shapes with whole outlines took over a minute on a busy host)
    const rectangle = (p: Polygon) => new Set(p.coordinates[0]!.map((c) => c[0])).size === 2 && new Set(p.coordinates[0]!.map((c) => c[1])).size === 2
    const outlines = COUNTIES.features.map((c) => ({ c, box: turf.bbox(c) }))
    const expected = shapes.map((p) => {
      const f = turf.feature(p)
      const box = turf.bbox(f)
      const [w, s, e, n] = box
      const shares = outlines
        .filter(({ box: [cw, cs, ce, cn] }) => cw <= e && w <= ce && cs <= n && s <= cn)
        .map(({ c }) => ({
          code: c.properties.code,
          m2: rectangle(p) ? turf.area(turf.bboxClip(c, box))
            : turf.area(turf.intersect(turf.featureCollection<Polygon | MultiPolygon>([f, c])) ?? turf.polygon([[[0, 0], [0, 0], [0, 0], [0, 0]]])) || 0,
        }))
        .sort((a, b) => b.m2 - a.m2)
      // no shape of the test is near a tie, where turf and PostGIS could differ
      expect(shares[0]!.m2 - (shares[1]?.m2 ?? 0)).toBeGreaterThan(0.01 * turf.area(f))
      return shares[0]!.code
    })
    expect(expected.slice(0, 3)).toEqual([LUOLONG, JIANXI, LUOLONG])
    expect(new Set(expected.slice(3, 3 + 16 * 14))).toEqual(new Set([LUOLONG, JIANXI]))

    const fc: FeatureCollection<Polygon> = {
      type: 'FeatureCollection',
      features: shapes.map((geometry, i) => ({ type: 'Feature', geometry, properties: { 宗地编号: `EDGE-${String(i).padStart(3, '0')}` } })),
    }
    const res = await upload(writeJson(join(dir, 'edge.geojson'), fc), admin)
    expect(res.statusCode, res.body).toBe(201)
    const { id } = res.json()
    const preview = (await t.app.inject({ url: `/api/uploads/${id}/features?limit=1000`, headers: admin })).json()
    const got = preview.features.map((f: { properties: { key: string; county_code: string; county_source: string; location_county: string } }) =>
      [f.properties.key, f.properties.county_code, f.properties.county_source, f.properties.location_county])
    expect(got).toEqual(expected.map((code, i) => [`EDGE-${String(i).padStart(3, '0')}`, code, 'boundary', code]))
    // The grid reaches each way the lookup can go: shapes whose pieces (by box) are all of one
    // county, one piece or several, and shapes whose boxes meet both counties' pieces.
    const ways = await t.app.db.one(`
      SELECT count(*) FILTER (WHERE counties = 1 AND pieces = 1)::int AS one_piece,
             count(*) FILTER (WHERE counties = 1 AND pieces > 1)::int AS pieces_of_one,
             count(*) FILTER (WHERE counties > 1)::int AS both
      FROM (SELECT f.idx, count(DISTINCT p.code) AS counties, count(*) AS pieces
            FROM upload_feature f JOIN county_boundary_part p ON p.geom && f.geom
            WHERE f.upload_id = $1 GROUP BY f.idx) x`, [id])
    expect(ways.one_piece).toBeGreaterThan(0)
    expect(ways.pieces_of_one).toBeGreaterThan(0)
    expect(ways.both).toBeGreaterThan(3)
  })
})
