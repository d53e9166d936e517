/** More formats in: one survey, written by GDAL from a GBK shapefile as
 * GeoPackage, KML, KMZ, DXF (hatches + the code as text inside), CSV with WKT, CSV with X/Y points
 * in a Gauss-Krüger zone, XLSX with WKT and GeoJSONSeq, lands through the same upload report,
 * mapping and checks as the shapefile: the same count, codes, Chinese owners, and ellipsoidal
 * areas equal to GDAL's own (SpatiaLite ST_Area on the ellipsoid) within 0.01 m² + 1e-6 relative.
 * Parcels exported again as GeoJSON and rewritten by ogr2ogr as GeoPackage, KML, DXF and CSV
 * re-import as `unchanged` (the intake's 1 cm tolerance). Bad files get a 4xx naming what is
 * wrong and leave every live table as it was. */
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import * as turf from '@turf/turf'
import ExcelJS from 'exceljs'
import type { Feature, FeatureCollection, Polygon, Position } from 'geojson'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { makeTempDir, removeTempDirs, run, writeJson, writeRawZip, writeShapefile } from '../../test/ingest-helpers'
import { LUOLONG, expectUnchanged, gdalAreas, liveFingerprint, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'

let t: TestApp
let auth: { authorization: string }
let dir: string
let n = 0

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  auth = await t.loginAs('analyst', [LUOLONG])
  dir = makeTempDir('onemap-upload-formats-')
})

afterAll(async () => {
  await t?.close()
  removeTempDirs()
})

const OWNERS = ['洛阳栾川钼业集团股份有限公司', '中信重工机械股份有限公司（洛阳）', '洛阳镕晟新材料有限公司', '张三丰', '洛阳市瀍河回族区“新型”建材厂']

/** Each prefix its own row of the test cluster, so that no two uploads overlap. */
const rowOf = new Map<string, number>()

/** Five irregular parcels inside the 洛龙 test cluster (112.35–112.6°E, 34.55–34.75°N) and 洛龙区, one with a
 * hole; codes under `prefix`. */
function survey(prefix: string): FeatureCollection<Polygon> {
  if (!rowOf.has(prefix)) rowOf.set(prefix, rowOf.size)
  const row = rowOf.get(prefix)!
  const features: Feature<Polygon>[] = OWNERS.map((owner, i) => {
    const lon = 112.42 + (row % 2) * 0.06 + i * 0.004
    const lat = 34.58 + Math.floor(row / 2) * 0.006
    const outer: Position[] = [[lon, lat], [lon + 0.0021, lat + 0.0002], [lon + 0.0019, lat + 0.0018], [lon - 0.0001, lat + 0.0016], [lon, lat]]
    const rings = i === 2 ? [outer, [[lon + 0.0006, lat + 0.0006], [lon + 0.0006, lat + 0.001], [lon + 0.001, lat + 0.001], [lon + 0.001, lat + 0.0006], [lon + 0.0006, lat + 0.0006]]] : [outer]
    return {
      type: 'Feature',
      properties: { 宗地编号: `${prefix}-${String(i + 1).padStart(3, '0')}`, 权利人: owner, 土地用途: '工业用地', 行政区代码: LUOLONG },
      geometry: { type: 'Polygon', coordinates: rings },
    }
  })
  return { type: 'FeatureCollection', features }
}
const N = OWNERS.length

const path = (name: string) => join(dir, `${n++}-${name}`)
const ogr = (...args: string[]) => run('ogr2ogr', args)

/** The survey as a GBK shapefile in EPSG:4525 (zone-prefixed eastings), written by GDAL. */
function shapefile(prefix: string): string {
  const d = makeTempDir('onemap-upload-formats-shp-')
  return writeShapefile(d, survey(prefix), { epsg: 4525, name: '宗地' })
}

async function send(file: string, fields: Record<string, string> = {}) {
  const body = multipart({ layer: 'parcels', ...fields }, uploadFile(file))
  return t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...auth } })
}
async function sendOk(file: string, fields: Record<string, string> = {}) {
  const res = await send(file, fields)
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; report: Record<string, unknown> & { issues: unknown[] } }
}
const commit = async (id: string) => {
  const res = await t.app.inject({ method: 'POST', url: `/api/uploads/${id}/commit`, headers: auth, payload: {} })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const description = async (id: string) =>
  (await t.app.inject({ method: 'GET', url: `/api/uploads/${id}`, headers: auth })).json().description as {
    kind: string; layer?: string; layers?: { name: string; featureCount: number }[]
    sources: { name: string; crs: { epsg: number; source: string }; encoding: { encoding: string } | null; fieldNames: string[]; skipped?: string[] }[]
  }

/** The parcels under `prefix` as committed: code, owner, ellipsoidal area. */
const landed = (prefix: string) => t.app.db.map(
  `SELECT code, owner_name, ST_Area(geom::geography) AS area FROM parcel WHERE code LIKE $1 ORDER BY code`, [`${prefix}-%`],
  (r: { code: string; owner_name: string | null; area: number }) => r)

/** Same codes, owners (unless the format carries none) and GDAL's ellipsoidal areas of the shapefile. */
async function expectLanded(prefix: string, shp: string, owners = true) {
  const rows = await landed(prefix)
  const src = survey(prefix).features
  expect(rows.map((r) => r.code)).toEqual(src.map((f) => f.properties!['宗地编号']))
  if (owners) expect(rows.map((r) => r.owner_name)).toEqual(OWNERS)
  const gdal = gdalAreas(shp, dir, '宗地编号')
  for (const r of rows) {
    const want = gdal.get(r.code)!
    expect(want).toBeGreaterThan(10_000)
    expect(Math.abs(r.area - want), r.code).toBeLessThan(0.01 + want * 1e-6)
  }
}

interface Format {
  name: string
  kind: string
  /** The file, written from the shapefile by GDAL (and a few lines for what GDAL does not write). */
  make: (shp: string) => string
  fields?: Record<string, string>
  crs: { epsg: number; source: string }
  owners?: boolean
}

/** Eastings/northings of the shapefile's vertices, one row per point (the 界址点 table of a survey), in EPSG:4525. */
function pointRows(shp: string): string[] {
  const gj = path('pts.geojson')
  ogr('-f', 'GeoJSON', gj, shp)
  const fc = JSON.parse(run('cat', [gj])) as FeatureCollection<Polygon>
  const rows = ['宗地编号,权利人,圈号,点号,X,Y']
  for (const f of fc.features) {
    f.geometry.coordinates.forEach((ring, r) => ring.forEach(([e, nn], i) => {
      // 测量坐标: X is the northing, Y the easting
      rows.push(`${f.properties!['宗地编号']},${f.properties!['权利人']},${r + 1},J${i + 1},${nn!.toFixed(4)},${e!.toFixed(4)}`)
    }))
  }
  return rows
}

const FORMATS: Format[] = [
  { name: 'GeoPackage (EPSG:4547 declared by srs_id)', kind: 'gpkg', crs: { epsg: 4547, source: 'format' },
    make: (shp) => { const p = path('survey.gpkg'); ogr('-f', 'GPKG', '-t_srs', 'EPSG:4547', '-nln', 'parcels', p, shp); return p } },
  { name: 'KML (WGS 84 by definition)', kind: 'kml', crs: { epsg: 4326, source: 'format' },
    make: (shp) => { const p = path('survey.kml'); ogr('-f', 'KML', p, shp); return p } },
  { name: 'KMZ (a zip of the KML)', kind: 'kmz', crs: { epsg: 4326, source: 'format' },
    make: (shp) => {
      const d = makeTempDir('onemap-kmz-')
      ogr('-f', 'KML', join(d, 'doc.kml'), shp)
      const p = path('survey.kmz')
      run('zip', ['-q', '-X', p, 'doc.kml'], d)
      return p
    } },
  { name: 'DXF (hatches on one layer, the code as MTEXT inside on another)', kind: 'dxf', crs: { epsg: 4525, source: 'inferred' }, owners: false,
    fields: { mapping: JSON.stringify({ code: '文字' }) },
    make: (shp) => {
      const p = path('survey.dxf')
      ogr('-f', 'DXF', p, shp, '-dialect', 'SQLite', '-sql',
        `SELECT geometry, NULL AS OGR_STYLE, 'parcels' AS Layer FROM "宗地" UNION ALL ` +
        `SELECT ST_PointOnSurface(geometry) AS geometry, 'LABEL(f:"Arial",t:"' || "宗地编号" || '")' AS OGR_STYLE, 'labels' AS Layer FROM "宗地"`)
      return p
    } },
  { name: 'CSV with a WKT column (zone-prefixed GK eastings, no CRS)', kind: 'csv', crs: { epsg: 4525, source: 'inferred' },
    make: (shp) => { const p = path('survey.csv'); ogr('-f', 'CSV', '-lco', 'GEOMETRY=AS_WKT', p, shp); return p } },
  { name: 'CSV of boundary points, X north / Y east, in GBK', kind: 'csv', crs: { epsg: 4525, source: 'inferred' },
    make: (shp) => {
      const p = path('points.csv')
      writeFileSync(p, iconv.encode(pointRows(shp).join('\r\n'), 'gbk'))
      return p
    } },
  { name: 'XLSX with a WKT column', kind: 'xlsx', crs: { epsg: 4525, source: 'inferred' },
    make: (shp) => {
      const p = path('survey.xlsx')
      ogr('-f', 'XLSX', p, shp, '-dialect', 'SQLite', '-nln', '宗地表', '-sql',
        `SELECT ST_AsText(geometry) AS WKT, "宗地编号", "权利人", "土地用途", "行政区代码" FROM "宗地"`)
      return p
    } },
  { name: 'GeoJSONSeq (one feature per line)', kind: 'geojsonseq', crs: { epsg: 4326, source: 'rfc7946' },
    make: (shp) => { const p = path('survey.geojsonl'); ogr('-f', 'GeoJSONSeq', '-t_srs', 'EPSG:4326', p, shp); return p } },
]

describe('the same survey in every format lands as from the shapefile', () => {
  it.each(FORMATS.map((f, i) => [f.name, f, i] as const))('%s', async (_name, f, i) => {
    const prefix = `410311-F${i}`
    const shp = shapefile(prefix)
    const res = await sendOk(f.make(shp), f.fields)
    expect(res.report.issues).toEqual([])
    expect(res.report).toMatchObject({ featureCount: N, accepted: N, new: N })
    const d = await description(res.id)
    expect(d.kind).toBe(f.kind)
    expect(d.sources[0]!.crs).toMatchObject(f.crs)
    expect(await commit(res.id)).toEqual({ inserted: N, updated: 0, unchanged: 0 })
    await expectLanded(prefix, shp, f.owners ?? true)
  })

  it('the committed shapefile itself gives the same areas (the baseline the formats are held to)', async () => {
    const shp = shapefile('410311-SHP')
    const d = makeTempDir('onemap-shp-zip-')
    for (const ext of ['shp', 'shx', 'dbf', 'prj', 'cpg']) run('cp', [shp.replace(/\.shp$/, `.${ext}`), d])
    const zip = path('survey.zip')
    run('zip', ['-q', '-X', zip, '宗地.shp', '宗地.shx', '宗地.dbf', '宗地.prj', '宗地.cpg'], d)
    const res = await sendOk(zip)
    expect(await commit(res.id)).toEqual({ inserted: N, updated: 0, unchanged: 0 })
    await expectLanded('410311-SHP', shp)
  })
})

describe('parcels exported as GeoJSON and rewritten by ogr2ogr re-import as unchanged', () => {
  let exported: string
  beforeAll(async () => {
    // The parcels the GeoPackage landed, as the GeoJSON export gives them (EPSG:4490 lon/lat).
    const rows = await t.app.db.map(
      `SELECT code, owner_name, land_use, county_code, ST_AsGeoJSON(geom, 12) AS g FROM parcel WHERE code LIKE '410311-F0-%' ORDER BY code`, [],
      (r: { code: string; owner_name: string; land_use: string; county_code: string; g: string }) => r)
    expect(rows).toHaveLength(N)
    exported = writeJson(path('export.geojson'), {
      type: 'FeatureCollection',
      features: rows.map((r) => ({ type: 'Feature', properties: { 宗地编号: r.code, 权利人: r.owner_name, 土地用途: r.land_use, 行政区代码: r.county_code }, geometry: JSON.parse(r.g) })),
    })
  })
  const cases: [string, () => string][] = [
    ['GeoPackage in EPSG:4547', () => { const p = path('again.gpkg'); ogr('-f', 'GPKG', '-t_srs', 'EPSG:4547', p, exported); return p }],
    ['KML', () => { const p = path('again.kml'); ogr('-f', 'KML', p, exported); return p }],
    ['DXF in EPSG:4525 with the codes as text', () => {
      const p = path('again.dxf')
      const layer = basename(exported, '.geojson')
      ogr('-f', 'DXF', '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:4525', p, exported, '-dialect', 'SQLite', '-sql',
        `SELECT geometry, NULL AS OGR_STYLE, 'parcels' AS Layer FROM "${layer}" UNION ALL ` +
        `SELECT ST_PointOnSurface(geometry) AS geometry, 'LABEL(t:"' || "宗地编号" || '")' AS OGR_STYLE, 'labels' AS Layer FROM "${layer}"`)
      return p
    }],
    ['CSV with WKT in EPSG:4525', () => { const p = path('again.csv'); ogr('-f', 'CSV', '-lco', 'GEOMETRY=AS_WKT', '-t_srs', 'EPSG:4525', p, exported); return p }],
  ]
  it.each(cases)('%s', async (name, make) => {
    const fields = name.startsWith('DXF') ? { mapping: JSON.stringify({ code: '文字' }) } : undefined
    const res = await sendOk(make(), fields)
    expect(res.report.issues).toEqual([])
    expect(res.report).toMatchObject({ featureCount: N, existing: N, changed: 0, unchanged: N })
    expect(await commit(res.id)).toEqual({ inserted: 0, updated: 0, unchanged: N })
  })
})

describe('layers, encodings and what is not imported', () => {
  it('a GeoPackage with two polygon tables asks which, listing both with counts; sourceLayer picks one', async () => {
    const p = path('two.gpkg')
    ogr('-f', 'GPKG', '-nln', '地块甲', p, shapefile('410311-L1'))
    ogr('-f', 'GPKG', '-update', '-nln', '地块乙', p, shapefile('410311-L2'))
    const before = await liveFingerprint(t.app.db)
    const res = await send(p)
    expect(res.statusCode).toBe(422)
    expect(res.json().message).toMatch(/多个含面要素的图层：地块乙（5 个面）、地块甲（5 个面）/)
    await expectUnchanged(t.app.db, before)
    const ok = await sendOk(p, { sourceLayer: '地块乙' })
    const d = await description(ok.id)
    expect(d.layer).toBe('地块乙')
    expect(d.layers).toEqual([expect.objectContaining({ name: '地块乙', featureCount: 5 }), expect.objectContaining({ name: '地块甲', featureCount: 5 })])
    expect(ok.report).toMatchObject({ featureCount: N, new: N })
    const wrong = await send(p, { sourceLayer: '没有这个' })
    expect(wrong.statusCode).toBe(422)
    expect(wrong.json().message).toMatch(/没有图层“没有这个”/)
  })

  it('a GBK DXF ($DWGCODEPAGE ANSI_936): Chinese text inside a closed polyline and block attributes become fields; open polylines are listed, not imported', async () => {
    const e0 = 37_650_000, n0 = 3_832_000 // EPSG:4525 near 112.6°E 34.6°N
    const lw = (handle: string, layer: string, pts: [number, number][], closed: boolean) =>
      ['0', 'LWPOLYLINE', '5', handle, '8', layer, '90', String(pts.length), '70', closed ? '1' : '0', ...pts.flatMap(([x, y]) => ['10', String(x), '20', String(y)])]
    const dxf = [
      '0', 'SECTION', '2', 'HEADER', '9', '$ACADVER', '1', 'AC1015', '9', '$DWGCODEPAGE', '3', 'ANSI_936', '0', 'ENDSEC',
      '0', 'SECTION', '2', 'ENTITIES',
      ...lw('A1', '宗地', [[e0, n0], [e0 + 100, n0], [e0 + 100, n0 + 80], [e0, n0 + 80]], true),
      ...lw('A2', '宗地', [[e0 + 300, n0], [e0 + 400, n0], [e0 + 400, n0 + 80], [e0 + 300, n0 + 80]], true),
      ...lw('B1', '道路', [[e0 - 50, n0 - 20], [e0 + 500, n0 - 20]], false),
      '0', 'TEXT', '5', 'T1', '8', '注记', '10', String(e0 + 40), '20', String(n0 + 40), '40', '2', '1', '410311-D-001',
      '0', 'MTEXT', '5', 'T2', '8', '注记', '10', String(e0 + 10), '20', String(n0 + 10), '40', '2', '1', '{\\f宋体;洛阳镕晟新材料}',
      '0', 'INSERT', '5', 'I1', '8', '注记', '66', '1', '2', 'ZD', '10', String(e0 + 350), '20', String(n0 + 40),
      '0', 'ATTRIB', '5', 'R1', '8', '注记', '10', String(e0 + 350), '20', String(n0 + 40), '40', '2', '1', '410311-D-002', '2', '宗地编号', '70', '0',
      '0', 'ATTRIB', '5', 'R2', '8', '注记', '10', String(e0 + 350), '20', String(n0 + 30), '40', '2', '1', '中信重工', '2', '权利人', '70', '0',
      '0', 'SEQEND', '5', 'S1', '8', '注记',
      '0', 'ENDSEC', '0', 'EOF', '',
    ]
    const p = path('gbk.dxf')
    writeFileSync(p, iconv.encode(dxf.join('\r\n'), 'gbk'))
    const before = await liveFingerprint(t.app.db)
    // the block's 宗地编号 attribute as the code, the text inside as the owner (to see it decoded)
    const res = await sendOk(p, { mapping: JSON.stringify({ code: '宗地编号', owner_name: '文字' }) })
    const d = await description(res.id)
    expect(d.sources[0]!.encoding).toMatchObject({ encoding: 'gbk', source: 'codepage' })
    expect(d.sources[0]!.crs).toMatchObject({ epsg: 4525, source: 'inferred' })
    expect(d.layer).toBe('宗地')
    expect(d.layers).toEqual([{ name: '宗地', geometryType: 'LWPOLYLINE', featureCount: 2, skipped: 0 }, { name: '道路', geometryType: '—', featureCount: 0, skipped: 1 }])
    expect(d.sources[0]!.fieldNames).toEqual(['图层', '句柄', '文字', '宗地编号', '权利人'])
    const feats = (await t.app.inject({ method: 'GET', url: `/api/uploads/${res.id}/features?limit=10`, headers: auth })).json()
    const values = (feats.features as { properties: { values: Record<string, unknown> } }[]).map((f) => f.properties.values)
    expect(values.map((v) => [v.code, v.owner_name])).toEqual([[null, '410311-D-001 洛阳镕晟新材料'], ['410311-D-002', null]])
    // the first has no code (a report error, not a write); the second took its code from the block
    expect(res.report.featureCount).toBe(2)
    await expectUnchanged(t.app.db, before)
    // only open polylines: 422 naming the entity
    const open = path('open.dxf')
    writeFileSync(open, ['0', 'SECTION', '2', 'ENTITIES', ...lw('B9', '道路', [[e0, n0], [e0 + 500, n0]], false), '0', 'ENDSEC', '0', 'EOF', ''].join('\n'))
    const refused = await send(open)
    expect(refused.statusCode).toBe(422)
    expect(refused.json().message).toMatch(/没有可导入的面.*图层 道路 句柄 B9：未闭合的多段线/)
    await expectUnchanged(t.app.db, before)
  })

  it('a CSV of 经度/纬度 points is geographic (declared by its columns)', async () => {
    const f = survey('410311-LL').features
    const rows = ['宗地编号,权利人,经度,纬度']
    for (const x of f) for (const [lon, lat] of x.geometry.coordinates[0]!) rows.push(`${x.properties!['宗地编号']},${x.properties!['权利人']},${lon},${lat}`)
    const p = path('ll.csv')
    writeFileSync(p, rows.join('\n'))
    const res = await sendOk(p)
    expect((await description(res.id)).sources[0]!.crs).toMatchObject({ epsg: 4490, source: 'format' })
    expect(res.report).toMatchObject({ featureCount: N, new: N })
  })
})

describe('bad files: a 4xx naming what is wrong, nothing written', () => {
  const bad: [string, () => string | Promise<string>, number, RegExp][] = [
    ['a truncated GeoPackage', () => {
      const p = path('full.gpkg')
      ogr('-f', 'GPKG', p, shapefile('410311-X1'))
      const cut = path('cut.gpkg')
      // the first 3 pages: the header and part of the schema, as an interrupted copy leaves it
      writeFileSync(cut, readFileSync(p).subarray(0, 3 * 4096))
      return cut
    }, 422, /cut\.gpkg 不是可读取的 GeoPackage/],
    ['a KML with no polygon (points only)', () => {
      const p = path('points.kml')
      writeFileSync(p, '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>点</name>' +
        '<Placemark><name>井</name><Point><coordinates>112.45,34.62</coordinates></Point></Placemark></Document></kml>')
      return p
    }, 422, /points\.kml 中没有可导入的面.*第 1 个地标“井”：点，不是面/],
    ['a KML that is not XML', () => { const p = path('broken.kml'); writeFileSync(p, '<kml><Document><Placemark>'); return p }, 400, /broken\.kml 不是有效的 KML/],
    ['a CSV whose WKT is malformed on one line', () => {
      const p = path('badwkt.csv')
      writeFileSync(p, ['WKT,宗地编号', '"POLYGON ((37650000 3832000,37650100 3832000,37650100 3832080,37650000 3832000))",A-1',
        '"POLYGON ((37650000 3832000,37650100 3832000,",A-2', '"POLYGON ((37650200 3832000,37650300 3832000,37650300 3832080,37650200 3832000))",A-3'].join('\n'))
      return p
    }, 422, /badwkt\.csv 第 3 行（表头为第 1 行）的 WKT 无法解析/],
    ['an XLSX without geometry columns', async () => {
      const p = path('nogeom.xlsx')
      const book = new ExcelJS.Workbook()
      const sheet = book.addWorksheet('宗地')
      sheet.addRow(['宗地编号', '权利人'])
      sheet.addRow(['A-1', '张三'])
      await book.xlsx.writeFile(p)
      return p
    }, 422, /nogeom\.xlsx（工作表 宗地） 中没有几何列.*现有列为：宗地编号、权利人/],
    ['a GeoJSONSeq with a broken line', () => {
      const p = path('broken.geojsonl')
      const f = JSON.stringify({ type: 'Feature', properties: { 宗地编号: 'A-1' }, geometry: turf.bboxPolygon([112.45, 34.62, 112.451, 34.621]).geometry })
      writeFileSync(p, `${f}\n${f}\n{"type": "Feature", "prop\n`)
      return p
    }, 422, /broken\.geojsonl 第 3 行不是有效的 GeoJSON 要素/],
    ['an XLSX that is a zip bomb (64 MB of zeros in one member), refused before exceljs inflates it', () =>
      writeRawZip(path('bomb.xlsx'), [{ name: '[Content_Types].xml', data: Buffer.from('<Types/>') }, { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(64 * 1024 * 1024) }]),
    413, /xl\/worksheets\/sheet1\.xml 的压缩比异常/],
    ['a file of no known kind', () => { const p = path('notes.docx'); writeFileSync(p, 'hello'); return p }, 400, /GeoPackage（\.gpkg）、KML\/KMZ、DXF/],
  ]
  it.each(bad)('%s', async (_name, make, status, message) => {
    const file = await make()
    const before = await liveFingerprint(t.app.db)
    const res = await send(file)
    expect(res.statusCode, res.body).toBe(status)
    expect(res.json().message).toMatch(message)
    await expectUnchanged(t.app.db, before)
  })
})
