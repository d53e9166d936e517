/** Issue 3 "Done when", first half: shapefiles written by GDAL (GBK, with and without .cpg and
 * .prj, in EPSG:4546, 4547, 4525, 4490 and 4326, Chinese field names) and a GeoJSON in 4326 go
 * through the HTTP API (upload → report → preview → commit), and the committed parcels' codes and
 * Chinese attributes come back exactly, their areas within 0.1% of GDAL's own ellipsoidal area
 * (ogr2ogr to EPSG:4326, then SpatiaLite ST_Area(geometry, 1) in ogrinfo). */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import * as turf from '@turf/turf'
import type { FeatureCollection, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { makeTempDir, parcelCollection, removeTempDirs, writeJson, writeShapefile, zipCli } from '../../test/ingest-helpers'
import { LUOLONG, gdalAreas, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'

let t: TestApp
let auth: { authorization: string }
let dir: string

/** Squares of different sizes with the field names and values of a county survey (GBK-only 镕,
 * full-width brackets), stated areas from turf (spherical, well inside the 1% tolerance). */
function survey(prefix: string, place: number): FeatureCollection<Polygon> {
  const rows = [
    { 宗地编号: `${prefix}-001`, 权利人: '洛阳栾川钼业集团股份有限公司', 土地用途: '工业用地' },
    { 宗地编号: `${prefix}-002`, 权利人: '中信重工机械股份有限公司（洛阳）', 土地用途: '工业用地' },
    { 宗地编号: `${prefix}-003`, 权利人: '洛阳镕晟新材料有限公司', 土地用途: '仓储用地' },
    { 宗地编号: `${prefix}-004`, 权利人: '洛阳市瀍河回族区“新型”建材厂', 土地用途: '物流仓储用地' },
  ]
  // Each case on its own ground (0.0165° of longitude apart; a parcel's row of latitude is its
  // own), so no case overlaps another's parcels; all of it inside 洛龙区's real outline, more than
  // the outlines' precision (600 m) from its edge, so the county of every parcel is 洛龙区.
  const fc = parcelCollection(rows, (i) => [112.42 + place * 0.0165 + i * 0.008, 34.575 + i * 0.005])
  fc.features.forEach((f, i) => {
    // Grow each square a little so that the areas differ; keep it a closed ring.
    const [[a, b, c, d]] = f.geometry.coordinates as number[][][]
    const s = 1 + i * 0.5
    const grow = (p: number[]) => [a![0]! + (p[0]! - a![0]!) * s, a![1]! + (p[1]! - a![1]!) * s]
    f.geometry.coordinates = [[a!, grow(b!), grow(c!), grow(d!), a!]]
    f.properties!['用地面积'] = Math.round(turf.area(f) * 100) / 100
  })
  return fc
}

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  auth = await t.loginAs('analyst', [LUOLONG])
  dir = makeTempDir('onemap-upload-rt-')
})

afterAll(async () => {
  await t?.close()
  removeTempDirs()
})

interface Case {
  name: string
  epsg: number
  /** Parts left out of the zip. */
  drop?: ('cpg' | 'prj')[]
  /** CRS stated at upload. */
  crs?: string
  encoding?: string
}

const CASES: Case[] = [
  { name: 'GBK with .cpg and .prj, EPSG:4546', epsg: 4546 },
  { name: 'GBK without .cpg (sniffed), with .prj, EPSG:4547', epsg: 4547, drop: ['cpg'] },
  { name: 'GBK with .cpg, zone-prefixed EPSG:4525', epsg: 4525 },
  { name: 'GBK, no .prj, zone-prefixed eastings (inferred EPSG:4525)', epsg: 4525, drop: ['prj'] },
  { name: 'GBK, no .prj, 6-digit eastings (the one zone placing them in the city: EPSG:4546)', epsg: 4546, drop: ['prj'] },
  { name: 'GBK, no .prj and no .cpg, EPSG:4547 stated with encoding gbk', epsg: 4547, drop: ['prj', 'cpg'], crs: 'EPSG:4547', encoding: 'gbk' },
  { name: 'GBK with .prj, EPSG:4490', epsg: 4490 },
  { name: 'GBK, no .prj, degrees (inferred EPSG:4490)', epsg: 4490, drop: ['prj'] },
  { name: 'GBK with .cpg and .prj, EPSG:4326', epsg: 4326 },
]

describe('round trip through POST /api/uploads and commit', () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const prefix = `RT${i}`
    const fc = survey(prefix, i)
    const caseDir = join(dir, `case${i}`)
    makeDir(caseDir)
    const shp = writeShapefile(caseDir, fc, { epsg: c.epsg, name: '宗地' })
    const expectedAreas = gdalAreas(shp, caseDir, '宗地编号', c.epsg)
    for (const part of c.drop ?? []) rmSync(shp.replace(/\.shp$/, `.${part}`), { force: true })
    const parts = ['shp', 'shx', 'dbf', 'prj', 'cpg'].filter((p) => !(c.drop ?? []).includes(p as 'cpg'))
    const zip = zipCli(join(caseDir, 'upload.zip'), caseDir, parts.map((p) => `宗地.${p}`).filter((m) => existsIn(caseDir, m)))

    const fields: Record<string, string> = { layer: 'parcels' }
    if (c.crs) fields.crs = c.crs
    if (c.encoding) fields.encoding = c.encoding
    const res = await t.app.inject({ method: 'POST', url: '/api/uploads', ...withAuth(multipart(fields, uploadFile(zip))) })
    expect(res.statusCode, res.body).toBe(201)
    const { id, status, report } = res.json()
    expect(status).toBe('ready')
    expect(report.issues, JSON.stringify(report.issues.slice(0, 3))).toEqual([])
    expect(report).toMatchObject({ featureCount: 4, accepted: 4, rejected: 0, errors: 0, warnings: 0, new: 4, existing: 0 })

    const preview = await t.app.inject({ method: 'GET', url: `/api/uploads/${id}/features`, headers: auth })
    expect(preview.statusCode, preview.body).toBe(200)
    expect(preview.json().features.map((f: { properties: { key: string } }) => f.properties.key)).toEqual(fc.features.map((f) => f.properties!['宗地编号']))

    const commit = await t.app.inject({ method: 'POST', url: `/api/uploads/${id}/commit`, headers: auth, payload: {} })
    expect(commit.statusCode, commit.body).toBe(200)
    expect(commit.json()).toEqual({ inserted: 4, updated: 0, unchanged: 0 })

    const rows = await t.app.db.any(
      'SELECT code, owner_name, land_use, stated_area_m2, county_code, cluster_code, area_m2 FROM parcel WHERE code LIKE $1 ORDER BY code', [`${prefix}-%`])
    expect(rows.map((r) => [r.code, r.owner_name, r.land_use, r.stated_area_m2, r.county_code, r.cluster_code])).toEqual(
      fc.features.map((f) => [f.properties!['宗地编号'], f.properties!['权利人'], f.properties!['土地用途'], f.properties!['用地面积'], LUOLONG, 'luolong']))
    for (const r of rows) {
      const gdal = expectedAreas.get(r.code)!
      expect(gdal).toBeGreaterThan(1000)
      expect(Math.abs(r.area_m2 - gdal) / gdal, `${r.code}: ${r.area_m2} vs GDAL ${gdal}`).toBeLessThan(0.001)
    }
  })

  it('a GeoJSON in EPSG:4326 with Chinese field names round-trips too', async () => {
    const fc = survey('GJ', CASES.length)
    const path = writeJson(join(dir, '宗地.geojson'), fc)
    const expectedAreas = gdalAreas(path, dir, '宗地编号')
    const res = await t.app.inject({ method: 'POST', url: '/api/uploads', ...withAuth(multipart({ layer: 'parcels' }, uploadFile(path))) })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().report).toMatchObject({ featureCount: 4, accepted: 4, errors: 0, warnings: 0 })
    const commit = await t.app.inject({ method: 'POST', url: `/api/uploads/${res.json().id}/commit`, headers: auth })
    expect(commit.json()).toEqual({ inserted: 4, updated: 0, unchanged: 0 })
    const rows = await t.app.db.any("SELECT code, owner_name, land_use, area_m2 FROM parcel WHERE code LIKE 'GJ-%' ORDER BY code")
    expect(rows.map((r) => [r.code, r.owner_name, r.land_use])).toEqual(
      fc.features.map((f) => [f.properties!['宗地编号'], f.properties!['权利人'], f.properties!['土地用途']]))
    for (const r of rows) expect(Math.abs(r.area_m2 - expectedAreas.get(r.code)!) / expectedAreas.get(r.code)!).toBeLessThan(0.001)
  })
})

function withAuth(m: { payload: Buffer; headers: Record<string, string> }) {
  return { payload: m.payload, headers: { ...m.headers, ...auth } }
}

function makeDir(p: string) {
  mkdirSync(p, { recursive: true })
}
function existsIn(d: string, m: string) {
  return existsSync(join(d, m))
}
