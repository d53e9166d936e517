/** Exports with GDAL as the outside client: a survey of eight parcels (Chinese owners, a hole, a
 * two-part parcel) is committed through the upload API, then exported in every format and read
 * back by `ogrinfo` (XLSX also by exceljs): the CRS GDAL reports, the feature count against the
 * OGC API's numberMatched for the same role and filter, Chinese text intact, numbers as numbers;
 * Gauss-Krüger coordinates against PostGIS's own ST_Transform within 1 mm; fields the role may not
 * see absent from every format; every export in the audit trail; the shapefile and GeoJSON exports
 * uploaded back reported `unchanged` for every parcel. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ExcelJS from 'exceljs'
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test/app'
import { insertContract, insertEnterprise, creditCode } from '../test/land'
import { LUOLONG, multipart, seedPlaces, uploadFile } from '../test/upload-fixture'
import { budget } from '../test/budget'

let t: TestApp
let analyst: { authorization: string }
let surveyor: { authorization: string }
let dir: string

const OWNERS = ['洛阳栾川钼业集团股份有限公司', '中信重工机械股份有限公司（洛阳）', '洛阳镕晟新材料有限公司', '张三丰', '洛阳市瀍河回族区“新型”建材厂', '李四', '洛阳一拖股份有限公司', '王五']
const N = OWNERS.length

function survey(): FeatureCollection<Polygon | MultiPolygon> {
  const features: Feature<Polygon | MultiPolygon>[] = OWNERS.map((owner, i) => {
    const lon = 112.45 + (i % 4) * 0.004
    const lat = 34.60 + Math.floor(i / 4) * 0.004
    const outer: Position[] = [[lon, lat], [lon + 0.0021, lat + 0.0002], [lon + 0.0019, lat + 0.0018], [lon - 0.0001, lat + 0.0016], [lon, lat]]
    let geometry: Polygon | MultiPolygon = { type: 'Polygon', coordinates: [outer] }
    if (i === 2) geometry = { type: 'Polygon', coordinates: [outer, [[lon + 0.0006, lat + 0.0006], [lon + 0.0006, lat + 0.001], [lon + 0.001, lat + 0.001], [lon + 0.001, lat + 0.0006], [lon + 0.0006, lat + 0.0006]]] }
    if (i === 5) geometry = { type: 'MultiPolygon', coordinates: [[outer], [[[lon + 0.0025, lat], [lon + 0.0032, lat], [lon + 0.0032, lat + 0.0007], [lon + 0.0025, lat + 0.0007], [lon + 0.0025, lat]]]] }
    return { type: 'Feature', properties: { 宗地编号: `410311-X-${String(i + 1).padStart(3, '0')}`, 权利人: owner, 土地用途: i % 3 ? '工业用地' : '仓储用地', 行政区代码: LUOLONG }, geometry }
  })
  return { type: 'FeatureCollection', features }
}

async function upload(file: string, auth = analyst, fields: Record<string, string> = {}) {
  const body = multipart({ layer: 'parcels', ...fields }, uploadFile(file))
  const res = await t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...auth } })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; report: Record<string, unknown> & { issues: unknown[] } }
}

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  analyst = await t.loginAs('analyst', [LUOLONG])
  surveyor = await t.loginAs('surveyor', [LUOLONG])
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-exports-'))
  const src = path.join(dir, 'survey.geojson')
  fs.writeFileSync(src, JSON.stringify(survey()))
  const first = await upload(src)
  expect(first.report.issues).toEqual([])
  const commit = await t.app.inject({ method: 'POST', url: `/api/uploads/${first.id}/commit`, headers: analyst, payload: {} })
  expect(commit.statusCode, commit.body).toBe(200)
  // a contract with its price (sensitive: DOMAIN.md "Governance") on the first parcel
  await insertEnterprise(t.app.db, creditCode(1), '洛阳栾川钼业集团股份有限公司')
  const pid = await t.app.db.one("SELECT id FROM parcel WHERE code = '410311-X-001'", [], (r: { id: number }) => r.id)
  await insertContract(t.app.db, { no: '洛龙出让〔2019〕7号', parcelId: pid, landUser: creditCode(1), price: 4321.75 })
}, budget(20_000))

afterAll(async () => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
  await t?.close()
})

let n = 0
/** GET an export; its bytes in a file of the test folder. */
async function exported(url: string, auth: { authorization: string } | Record<string, never> = analyst) {
  const res = await t.app.inject({ method: 'GET', url, headers: auth })
  expect(res.statusCode, res.body.slice(0, 500)).toBe(200)
  const ext = /filename="[^"]*\.(\w+)"/.exec(String(res.headers['content-disposition']))![1]!
  const file = path.join(dir, `export-${n++}.${ext}`)
  fs.writeFileSync(file, res.rawPayload)
  return { res, file, count: Number(res.headers['x-feature-count']) }
}

const ogr = (...args: string[]) => execFileSync('ogrinfo', ['-ro', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })
const openPath = (file: string) => (file.endsWith('.zip') ? `/vsizip/${file}` : file)
const featureCount = (info: string) => [...info.matchAll(/^Feature Count: (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0)

async function matched(collection: string, query = '', auth = analyst): Promise<number> {
  const res = await t.app.inject({ url: `/ogc/collections/${collection}/items?limit=1${query}`, headers: auth })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().numberMatched
}

describe('every format read by GDAL', () => {
  const cases: [string, string, RegExp][] = [
    ['geojson', 'EPSG:4326', /GEOGCRS\["WGS 84"/],
    ['geojson', 'EPSG:4490', /GEOGCRS\["China Geodetic Coordinate System 2000"/],
    ['geojson', 'EPSG:4547', /PROJCRS\["CGCS2000 \/ 3-degree Gauss-Kruger CM 114E"/],
    ['shp', 'EPSG:4490', /GEOGCRS\["China Geodetic Coordinate System 2000"/],
    ['shp', 'EPSG:4547', /PROJCRS\["CGCS2000 \/ 3-degree Gauss-Kruger CM 114E"/],
    ['shp', 'EPSG:4525', /PROJCRS\["CGCS2000 \/ 3-degree Gauss-Kruger zone 37"/],
    ['gpkg', 'EPSG:4490', /GEOGCRS\["China Geodetic Coordinate System 2000"/],
    ['gpkg', 'EPSG:4526', /PROJCRS\["CGCS2000 \/ 3-degree Gauss-Kruger zone 38"/],
    ['kml', 'EPSG:4490', /GEOGCRS\["WGS 84"/],
  ]
  it.each(cases)('%s in %s: the CRS, every feature, Chinese text', async (format, crs, wkt) => {
    const { file, count, res } = await exported(`/api/exports/parcels?format=${format}&crs=${crs}`)
    expect(count).toBe(N)
    expect(count).toBe(await matched('parcels'))
    expect(res.headers['content-crs']).toContain(crs.split(':')[1])
    const info = ogr('-al', '-so', openPath(file))
    expect(info).toMatch(wkt)
    expect(featureCount(info)).toBe(N)
    const all = ogr('-al', openPath(file))
    for (const owner of OWNERS) expect(all).toContain(owner)
    // a coded value with its Chinese label beside it
    expect(all).toMatch(/stage_zh \(String\) = 已批未供/)
  })

  it('numbers are numbers (GeoJSON, shapefile, GeoPackage): the shape area is a Real field', async () => {
    for (const format of ['geojson', 'shp', 'gpkg']) {
      const { file } = await exported(`/api/exports/parcels?format=${format}&crs=EPSG:4547`)
      expect(ogr('-al', '-so', openPath(file))).toMatch(/shape_m2: Real/)
    }
  })

  it('the shapefile holds .cpg GBK, the ESRI .prj and the field-name table (10-byte unique names)', async () => {
    const { file } = await exported('/api/exports/parcels?format=shp&crs=EPSG:4547')
    const list = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()
    expect(list).toEqual(['parcels.cpg', 'parcels.dbf', 'parcels.prj', 'parcels.shp', 'parcels.shx', '说明.txt', '字段表.csv'].sort())
    expect(execFileSync('unzip', ['-p', file, 'parcels.cpg'], { encoding: 'utf8' })).toBe('GBK')
    expect(execFileSync('unzip', ['-p', file, 'parcels.prj'], { encoding: 'utf8' })).toMatch(/^PROJCS\["CGCS2000_3_Degree_GK_CM_114E"/)
    const table = execFileSync('unzip', ['-p', file, '字段表.csv'], { encoding: 'utf8' }).replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(','))
    expect(table[0]).toEqual(['DBF字段名', '中文名', '说明'])
    const names = table.slice(1).map((r) => r[0]!)
    expect(names.every((x) => Buffer.byteLength(x) <= 10)).toBe(true)
    expect(new Set(names.map((x) => x.toUpperCase())).size).toBe(names.length)
    expect(table.find((r) => r[0] === 'owner_name')?.[1]).toBe('权利人')
    // the DBF text is GBK: 权利人 of the first parcel as GBK bytes
    const dbf = execFileSync('unzip', ['-p', file, 'parcels.dbf'])
    expect(dbf.includes(Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0xb7, 0xe1]))).toBe(true) // 张三丰 in GBK
  })

  it('KML refuses any CRS but longitude/latitude, DXF any but a Gauss-Krüger zone, with a clear 400', async () => {
    for (const [format, crs] of [['kml', 'EPSG:4547'], ['dxf', 'EPSG:4490'], ['csv', 'EPSG:3857']]) {
      const res = await t.app.inject({ url: `/api/exports/parcels?format=${format}&crs=${crs}`, headers: analyst })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json().code).toBe('unsupported_crs')
    }
  })

  it('CSV: the CRS on every row, a representative point and WKT that GDAL reads, numbers as numbers', async () => {
    const { file, count } = await exported('/api/exports/parcels?format=csv&crs=EPSG:4490')
    expect(count).toBe(N)
    const text = fs.readFileSync(file, 'utf8')
    expect(text.startsWith('\uFEFF')).toBe(true)
    const header = text.slice(1).split('\r\n')[0]!.split(',')
    expect(header).toEqual(expect.arrayContaining(['宗地编号', '权利人', '图形面积（m²）', '经度', '纬度', 'WKT', '坐标系']))
    const info = ogr('-al', '-so', '-oo', 'AUTODETECT_TYPE=YES', file)
    expect(featureCount(info)).toBe(N)
    // GDAL's CSV driver takes the column named WKT as the geometry
    expect(info).toMatch(/Extent: \(112\.4\d+, 34\.6\d+\) - \(112\.4\d+, 34\.6\d+\)/)
    expect(info).toMatch(/图形面积（m²）: Real/)
    const all = ogr('-al', '-oo', 'AUTODETECT_TYPE=YES', file)
    expect(all).toContain('坐标系 (String) = 2000国家大地坐标系 经纬度（EPSG:4490）')
    expect(all.match(/^\s*(MULTI)?POLYGON \(/gm)?.length).toBe(N)
  })

  it('XLSX, read back by exceljs: every feature, numbers as numbers, Chinese intact', async () => {
    const { file, count } = await exported('/api/exports/parcels?format=xlsx&crs=EPSG:4547')
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(file)
    const ws = wb.worksheets[0]!
    expect(ws.rowCount).toBe(count + 1)
    const head = (ws.getRow(1).values as unknown[]).slice(1)
    const col = (title: string) => head.indexOf(title) + 1
    const owners: unknown[] = []
    for (let r = 2; r <= ws.rowCount; r++) {
      const row = ws.getRow(r)
      expect(typeof row.getCell(col('图形面积（m²）')).value).toBe('number')
      expect(typeof row.getCell(col('X')).value).toBe('number')
      expect(row.getCell(col('坐标系')).value).toMatch(/EPSG:4547/)
      owners.push(row.getCell(col('权利人')).value)
    }
    expect(owners.sort()).toEqual([...OWNERS].sort())
  })
})

/** Every vertex of the stored parcels transformed by PostGIS, "code|x|y" at 1 mm. */
async function postgisVertices(srid: number): Promise<number[][]> {
  return t.app.db.map(
    `SELECT (d).geom AS g, ST_X((d).geom) AS x, ST_Y((d).geom) AS y FROM (SELECT ST_DumpPoints(ST_Transform(geom, $1)) AS d FROM parcel) s`,
    [srid], (r: { x: number; y: number }) => [r.x, r.y])
}
const near = (a: number[][], b: number[][]) => a.every(([x, y]) => b.some(([u, v]) => Math.abs(u! - x!) < 0.001 && Math.abs(v! - y!) < 0.001))

describe('Gauss-Krüger coordinates', () => {
  it.each([['shp', 4547], ['shp', 4526], ['gpkg', 4546], ['geojson', 4525]])('%s in EPSG:%i: every vertex within 1 mm of PostGIS ST_Transform', async (format, srid) => {
    const { file } = await exported(`/api/exports/parcels?format=${format}&crs=EPSG:${srid}`)
    const copy = path.join(dir, `gk-${n++}.geojson`)
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'COORDINATE_PRECISION=6', copy, openPath(file)])
    const fc = JSON.parse(fs.readFileSync(copy, 'utf8')) as FeatureCollection<Polygon | MultiPolygon>
    const got = fc.features.flatMap((f) => (f.geometry.type === 'Polygon' ? f.geometry.coordinates.flat() : f.geometry.coordinates.flat(2)))
    const want = await postgisVertices(srid as number)
    expect(got.length).toBe(want.length)
    expect(near(got, want)).toBe(true)
    expect(near(want, got)).toBe(true)
    // the prefixed zones carry the zone number before the easting
    if (srid === 4526 || srid === 4525) expect(got.every(([x]) => x! > (srid === 4526 ? 38_000_000 : 37_000_000))).toBe(true)
  })

  it('DXF in EPSG:4547: a closed LWPOLYLINE per ring and a HATCH per parcel on a layer per class, the code as TEXT, vertices within 1 mm', async () => {
    const { file, count } = await exported('/api/exports/parcels?format=dxf&crs=EPSG:4547')
    expect(count).toBe(N)
    const text = fs.readFileSync(file, 'utf8')
    const rings = await t.app.db.one('SELECT sum(ST_NRings(geom))::int AS n FROM parcel', [], (r: { n: number }) => r.n)
    expect(text.match(/\n\s*LWPOLYLINE\s*\n/g)?.length).toBe(rings)
    // and one HATCH per parcel holding all its rings (its parts and holes: server/exports/formats.ts)
    expect(text.match(/\n\s*HATCH\s*\n/g)?.length).toBe(N)
    const all = ogr('-al', file)
    for (let i = 1; i <= N; i++) expect(all).toContain(`410311-X-00${i}`)
    expect(all).toMatch(/Layer \(String\) = 宗地_/)
    const copy = path.join(dir, `dxf-${n++}.geojson`)
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-where', "SubClasses LIKE '%Polyline%'", '-nlt', 'LINESTRING', copy, file])
    const fc = JSON.parse(fs.readFileSync(copy, 'utf8')) as FeatureCollection<{ type: 'LineString'; coordinates: Position[] }>
    const got = fc.features.flatMap((f) => f.geometry.coordinates)
    expect(near(got, await postgisVertices(4547))).toBe(true)
  })

  it('CSV X/Y in EPSG:4547 is the point PostGIS puts inside each shape (ST_PointOnSurface), within 1 mm', async () => {
    const { file } = await exported('/api/exports/parcels?format=csv&crs=EPSG:4547')
    const rows = fs.readFileSync(file, 'utf8').slice(1).trim().split('\r\n').map((l) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((f) => f.replace(/,$/, '')))
    const head = rows[0]!
    const want = await t.app.db.map('SELECT code, ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT code, ST_PointOnSurface(ST_Transform(geom, 4547)) AS p FROM parcel) s', [],
      (r: { code: string; x: number; y: number }) => r)
    for (const row of rows.slice(1)) {
      const w = want.find((x) => x.code === row[head.indexOf('宗地编号')])!
      expect(Math.abs(Number(row[head.indexOf('X')]) - w.x)).toBeLessThan(0.001)
      expect(Math.abs(Number(row[head.indexOf('Y')]) - w.y)).toBeLessThan(0.001)
    }
  })
})

describe('who sees what', () => {
  const FORMATS = ['geojson', 'csv', 'kml', 'xlsx', 'shp', 'gpkg']
  it.each(FORMATS)('%s: the contract price reaches a sensitive role and no other', async (format) => {
    const a = await exported(`/api/exports/contracts?format=${format}`, analyst)
    const s = await exported(`/api/exports/contracts?format=${format}`, surveyor)
    expect(a.count).toBe(1)
    expect(s.count).toBe(1)
    const read = (file: string) => ogr('-al', openPath(file))
    expect(read(a.file)).toMatch(/4321\.75/)
    const seen = read(s.file)
    expect(seen).not.toMatch(/4321\.75|price_wan|出让价款/)
    expect(seen).toContain('洛龙出让〔2019〕7号')
  })

  it('the public may not export land: parcels is 404 as an unknown collection', async () => {
    const res = await t.app.inject({ url: '/api/exports/parcels?format=geojson' })
    expect(res.statusCode).toBe(404)
    expect(res.json().code).toBe('not_found')
  })

  it('a filter selects what the OGC items select for the same filter and role; a bad one is a 400', async () => {
    const filter = encodeURIComponent("owner_name LIKE '洛阳%' AND shape_m2 > 0".replace('shape_m2', 'area_m2'))
    const { count } = await exported(`/api/exports/parcels?format=geojson&filter=${filter}`)
    expect(count).toBe(await matched('parcels', `&filter=${filter}`))
    expect(count).toBe(OWNERS.filter((o) => o.startsWith('洛阳')).length)
    const bad = await t.app.inject({ url: `/api/exports/parcels?format=csv&filter=${encodeURIComponent('price_wan > 1')}`, headers: surveyor })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().code).toBe('invalid_filter')
  })

  it('every export is in the audit trail with its rows and sensitive fields', async () => {
    await exported('/api/exports/contracts?format=csv', analyst)
    const e = await t.app.db.one("SELECT * FROM security_event WHERE kind = 'export' ORDER BY id DESC LIMIT 1")
    expect(e.username).toBe('analyst_410311')
    expect(e.detail).toMatchObject({ collection: 'contracts', format: 'csv', crs: 'EPSG:4490', rows: 1, sensitive_fields: ['price_wan'] })
  })
})

describe('re-imported through the upload API', () => {
  // every format the upload reads (server/ingest/read-features.ts), in every CRS the export writes
  // it in: what was exported comes back `unchanged` (the intake's 1 cm / 0.01 m² tolerance) and
  // its commit writes nothing
  it.each([
    ['a zipped shapefile in EPSG:4547', 'shp', 'EPSG:4547'],
    ['a zipped shapefile in EPSG:4490', 'shp', 'EPSG:4490'],
    ['an RFC 7946 GeoJSON', 'geojson', 'EPSG:4326'],
    ['a CGCS2000 GeoJSON stating its CRS', 'geojson', 'EPSG:4490'],
    ['a GeoJSON in EPSG:4547 stating its CRS', 'geojson', 'EPSG:4547'],
    ['a zipped shapefile in EPSG:4526 (zone number before the easting)', 'shp', 'EPSG:4526'],
    ['a GeoPackage in EPSG:4490', 'gpkg', 'EPSG:4490'],
    ['a GeoPackage in EPSG:4547', 'gpkg', 'EPSG:4547'],
    ['a KML', 'kml', 'EPSG:4326'],
    // a drawing has no field names: the code is the TEXT inside each outline (server/exports/formats.ts),
    // which the reader gives as 文字 (server/ingest/dxf.ts) and the user maps to the code
    ['a DXF in EPSG:4526 (zone number before the easting), its text mapped to the code', 'dxf', 'EPSG:4526', { mapping: JSON.stringify({ code: '文字' }) }],
    ['a DXF in EPSG:4547, its text mapped to the code', 'dxf', 'EPSG:4547', { mapping: JSON.stringify({ code: '文字' }) }],
    ['a CSV in EPSG:4490', 'csv', 'EPSG:4490'],
    ['a CSV in EPSG:4547', 'csv', 'EPSG:4547'],
    ['an XLSX in EPSG:4490', 'xlsx', 'EPSG:4490'],
    ['an XLSX in EPSG:4526', 'xlsx', 'EPSG:4526'],
  ] as [string, string, string, Record<string, string>?][])('%s: every parcel unchanged', async (_name, format, crs, fields) => {
    const { file } = await exported(`/api/exports/parcels?format=${format}&crs=${crs}`)
    const again = await upload(file, analyst, fields)
    expect(again.report.issues).toEqual([])
    expect(again.report.changes).toEqual([])
    expect(again.report).toMatchObject({ featureCount: N, new: 0, existing: N, changed: 0, unchanged: N })
    const commit = await t.app.inject({ method: 'POST', url: `/api/uploads/${again.id}/commit`, headers: analyst, payload: {} })
    expect(commit.statusCode, commit.body).toBe(200)
    expect(commit.json()).toEqual({ inserted: 0, updated: 0, unchanged: N })
  })
})
