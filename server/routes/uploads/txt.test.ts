/** The 国土 coordinate TXT (界址点坐标交换格式) through POST /api/uploads. The inputs are written by
 * hand, as a surveyor's software would, from coordinates GDAL reprojected (ogr2ogr from lon/lat to
 * CGCS2000 Gauss-Kruger): parcels with holes (rings 2 and 3), a stated area in 公顷 that does not
 * match, a file with its X and Y columns swapped, a Xian 1980 file. The committed areas are
 * checked against GDAL's own ellipsoidal area of the same coordinates (ogr2ogr to EPSG:4326, then
 * SpatiaLite ST_Area(geometry, 1)). */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import type { FeatureCollection, Polygon, Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { makeTempDir, removeTempDirs, run, writeJson } from '../../test/ingest-helpers'
import { LUOLONG, expectUnchanged, gdalAreas, liveFingerprint, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'

let t: TestApp
let auth: { authorization: string }
let dir: string

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  auth = await t.loginAs('analyst', [LUOLONG])
  dir = makeTempDir('onemap-upload-txt-')
})
afterAll(async () => {
  await t?.close()
  removeTempDirs()
})

const ring = (lon: number, lat: number, w: number, h: number): Position[] =>
  [[lon, lat], [lon + w, lat + h * 0.1], [lon + w * 1.05, lat + h], [lon - w * 0.05, lat + h * 0.95], [lon, lat]]

/** Three parcels in the 洛龙 test cluster (lon/lat): one plain, one with a hole, one with two. */
const SOURCE: FeatureCollection<Polygon> = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { code: 'TXT-001' }, geometry: { type: 'Polygon', coordinates: [ring(112.45, 34.64, 0.002, 0.0015)] } },
    {
      type: 'Feature', properties: { code: 'TXT-002' },
      geometry: { type: 'Polygon', coordinates: [ring(112.455, 34.64, 0.003, 0.002), ring(112.456, 34.6405, 0.0005, 0.0005).reverse()] },
    },
    {
      type: 'Feature', properties: { code: 'TXT-003' },
      geometry: {
        type: 'Polygon',
        coordinates: [ring(112.462, 34.64, 0.003, 0.003), ring(112.4625, 34.6405, 0.0004, 0.0004).reverse(), ring(112.4635, 34.6415, 0.0006, 0.0005).reverse()],
      },
    },
  ],
}

/** SOURCE reprojected by GDAL to `epsg`, each position rounded to the millimetre as the TXT writes
 * it; and the same millimetre coordinates as a GeoJSON file in `epsg` for GDAL's areas. */
function gdalReprojected(epsg: number, name: string): { fc: FeatureCollection<Polygon>; path: string } {
  const src = writeJson(join(dir, `${name}.src.geojson`), SOURCE)
  const out = join(dir, `${name}.${epsg}.geojson`)
  run('ogr2ogr', ['-f', 'GeoJSON', '-s_srs', 'EPSG:4326', '-t_srs', `EPSG:${epsg}`, out, src])
  const fc = JSON.parse(readFileSync(out, 'utf8')) as FeatureCollection<Polygon>
  for (const f of fc.features) f.geometry.coordinates = f.geometry.coordinates.map((r) => r.map(([x, y]) => [mm(x!), mm(y!)]))
  const path = writeJson(join(dir, `${name}.${epsg}.mm.geojson`), fc)
  return { fc, path }
}
const mm = (v: number) => Math.round(v * 1000) / 1000

/** The TXT a surveyor's software writes for `fc` (positions [easting, northing]): header, then per
 * parcel its line ending in @ and one line per point, X the northing, Y the easting (or swapped). */
function writeTxt(name: string, fc: FeatureCollection<Polygon>, header: Record<string, string>, opts: { swap?: boolean; areasHa: string[] }): string {
  const lines = ['[属性描述]', '格式版本号=1.01', '数据产生单位=洛阳市某勘测院', '数据产生日期=2024-5-20',
    ...Object.entries(header).map(([k, v]) => `${k}=${v}`), '转换参数=,,,,,,', '[地块坐标]']
  fc.features.forEach((f, i) => {
    const points = f.geometry.coordinates.flatMap((r, k) => r.map(([e, n], j) => `J${j + 1},${k + 1},${opts.swap ? e!.toFixed(3) : n!.toFixed(3)},${opts.swap ? n!.toFixed(3) : e!.toFixed(3)}`))
    lines.push(`${points.length},${opts.areasHa[i]},${f.properties!.code},${['一', '二', '三'][i]}号地块,面,,工业用地,0601,@`, ...points)
  })
  const path = join(dir, name)
  writeFileSync(path, iconv.encode(lines.join('\r\n') + '\r\n', 'gbk'))
  return path
}

const ha = (m2: number) => (m2 / 10000).toFixed(4)

async function upload(path: string, fields: Record<string, string> = { layer: 'parcels' }) {
  const body = multipart(fields, uploadFile(path))
  return t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...auth } })
}
const commit = (id: string, payload: Record<string, unknown> = {}) =>
  t.app.inject({ method: 'POST', url: `/api/uploads/${id}/commit`, headers: auth, payload })

describe('a 国土 coordinate TXT', () => {
  it('with holes, zone 37 with the prefix on Y, GBK: read, its stated 公顷 checked, committed with GDAL\'s areas', async () => {
    const { fc, path } = gdalReprojected(4525, 'holes')
    const gdal = gdalAreas(path, dir, 'code', 4525)
    // the third parcel's stated area is 5 % too large: a warning naming both areas
    const areasHa = fc.features.map((f, i) => ha(gdal.get(f.properties!.code)! * (i === 2 ? 1.05 : 1)))
    const file = writeTxt('勘测定界.txt', fc, { 坐标系: '2000国家大地坐标系', 几度分带: '3', 投影类型: '高斯克吕格', 计量单位: '米', 带号: '37', 精度: '0.001' }, { areasHa })
    const res = await upload(file)
    expect(res.statusCode, res.body).toBe(201)
    const { id, report } = res.json()
    expect(report).toMatchObject({ featureCount: 3, accepted: 3, rejected: 0, new: 3, warnings: 1, byCode: { area_mismatch: 1 } })
    expect(report.issues[0]).toMatchObject({ index: 2, key: 'TXT-003', code: 'area_mismatch' })
    expect(report.issues[0].message).toMatch(/differs from the ellipsoidal area/)

    const u = (await t.app.inject({ url: `/api/uploads/${id}`, headers: auth })).json()
    expect(u.description.kind).toBe('txt')
    expect(u.description.sources[0]).toMatchObject({
      encoding: { encoding: 'gbk' }, crs: { epsg: 4525, source: 'txt' }, header: { 坐标系: '2000国家大地坐标系', 带号: '37', 精度: '0.001' },
    })
    expect(u.description.mapping.mapping).toMatchObject({ code: '地块编号', stated_area_ha: '地块面积(公顷)', land_use: '地块用途' })

    expect((await commit(id, { acceptWarnings: true })).json()).toEqual({ inserted: 3, updated: 0, unchanged: 0 })
    const rows = await t.app.db.any(
      `SELECT code, land_use, county_code, cluster_code, area_m2, stated_area_m2, ST_NumInteriorRings(ST_GeometryN(geom, 1)) AS holes
       FROM parcel WHERE code LIKE 'TXT-%' ORDER BY code`)
    expect(rows.map((r) => [r.code, r.land_use, r.county_code, r.cluster_code, r.holes])).toEqual([
      ['TXT-001', '工业用地', LUOLONG, 'luolong', 0], ['TXT-002', '工业用地', LUOLONG, 'luolong', 1], ['TXT-003', '工业用地', LUOLONG, 'luolong', 2],
    ])
    for (const r of rows) {
      const expected = gdal.get(r.code)!
      expect(expected).toBeGreaterThan(10_000)
      // the same millimetre coordinates, transformed by PROJ in PostGIS and in GDAL, measured on the
      // ellipsoid by each (PostGIS and SpatiaLite differ by some 4e-7 of the area: 0.03 m² in 5.7 ha)
      expect(Math.abs(r.area_m2 - expected) / expected, `${r.code}: ${r.area_m2} vs GDAL ${expected}`).toBeLessThan(1e-6)
    }
    expect(rows[0].stated_area_m2).toBeCloseTo(Number(areasHa[0]) * 10000, 6)
  })

  it('with its X and Y columns swapped, zone 38 without prefix: read swapped, said on every feature, the same shapes as GDAL\'s', async () => {
    const source = { ...SOURCE, features: SOURCE.features.map((f) => ({ ...f, properties: { code: `${f.properties!.code}-SW` } })) }
    const src = writeJson(join(dir, 'sw.src.geojson'), source)
    const out = join(dir, 'sw.4547.geojson')
    run('ogr2ogr', ['-f', 'GeoJSON', '-s_srs', 'EPSG:4326', '-t_srs', 'EPSG:4547', out, src])
    const fc = JSON.parse(readFileSync(out, 'utf8')) as FeatureCollection<Polygon>
    for (const f of fc.features) f.geometry.coordinates = f.geometry.coordinates.map((r) => r.map(([x, y]) => [mm(x!), mm(y!)]))
    const gdal = gdalAreas(writeJson(join(dir, 'sw.mm.geojson'), fc), dir, 'code', 4547)
    const file = writeTxt('swapped.txt', fc, { 坐标系: '2000国家大地坐标系', 几度分带: '3', 带号: '38' },
      { swap: true, areasHa: fc.features.map((f) => ha(gdal.get(f.properties!.code)!)) })
    const res = await upload(file)
    expect(res.statusCode, res.body).toBe(201)
    const { id, report } = res.json()
    // the same parcels as the first file, under other codes: they overlap those, as they should
    expect(report, JSON.stringify(report.issues)).toMatchObject({ featureCount: 3, accepted: 3, warnings: 6, byCode: { xy_swapped: 3, overlap: 3 } })
    const swapped = report.issues.filter((i: { code: string }) => i.code === 'xy_swapped')
    expect(swapped.map((i: { index: number }) => i.index)).toEqual([0, 1, 2])
    expect(swapped[0].message).toMatch(/X and Y columns of the file are swapped/)
    const u = (await t.app.inject({ url: `/api/uploads/${id}`, headers: auth })).json()
    expect(u.description.sources[0].crs).toMatchObject({ epsg: 4547, source: 'txt' })
    expect(u.description.sources[0].crs.reason).toMatch(/swapped/)
    // not committed without accepting the warning
    expect((await commit(id)).statusCode).toBe(422)
    expect((await commit(id, { acceptWarnings: true })).json()).toEqual({ inserted: 3, updated: 0, unchanged: 0 })
    const rows = await t.app.db.any(`SELECT code, area_m2 FROM parcel WHERE code LIKE 'TXT-%-SW' ORDER BY code`)
    expect(rows).toHaveLength(3)
    for (const r of rows) expect(Math.abs(r.area_m2 - gdal.get(r.code)!) / gdal.get(r.code)!, r.code).toBeLessThan(1e-6)
    // the shapes the swapped file gave lie where the first file's do (1 mm rounding apart)
    const apart = await t.app.db.one(
      `SELECT max(ST_HausdorffDistance(ST_Transform(a.geom, 4547), ST_Transform(b.geom, 4547))) AS m
       FROM parcel a JOIN parcel b ON b.code = a.code || '-SW' WHERE a.code LIKE 'TXT-00_'`)
    expect(apart.m).toBeLessThan(0.01)
  })

  it('in Xian 1980 is refused naming the datum, and writes nothing', async () => {
    const { fc } = gdalReprojected(4525, 'xian')
    const file = writeTxt('xian80.txt', fc, { 坐标系: '1980西安坐标系', 几度分带: '3', 带号: '37' }, { areasHa: ['1', '1', '1'] })
    const before = await liveFingerprint(t.app.db)
    const res = await upload(file)
    expect(res.statusCode).toBe(422)
    expect(res.json().code).toBe('crs_legacy_datum')
    expect(res.json().message).toMatch(/xian80\.txt is in Xian 1980/)
    await expectUnchanged(t.app.db, before)
  })

  it('as approval batches: the same reader, the layer chosen by the form, 批准文号 and 批准日期 mapped by the user or reported missing', async () => {
    const { fc } = gdalReprojected(4525, 'batch')
    const file = writeTxt('报批.txt', fc, { 坐标系: '2000国家大地坐标系', 几度分带: '3', 带号: '37' }, { areasHa: ['1', '2', '3'] })
    const res = await upload(file, { layer: 'batches', mapping: JSON.stringify({ approval_no: '地块编号', name: '地块名称' }) })
    expect(res.statusCode, res.body).toBe(201)
    // the TXT carries no approval date: every batch is reported, none can be committed
    expect(res.json().report).toMatchObject({ featureCount: 3, rejected: 3, byCode: { value_missing: 3 } })
    expect(res.json().report.issues[0].message).toMatch(/批准日期/)
  })
})
