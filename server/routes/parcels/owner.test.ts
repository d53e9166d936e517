/** 权利人 (the owner as surveyed) everywhere a signed-in person looks, after an upload through the
 * API of a GBK shapefile written by GDAL: found by the search (any part of the name, full-width or
 * with spaces), shown on the card, in the card and list XLSX, in the file (一地一档) and in the
 * parcel tiles of the roles that see the card; and nowhere without a login. */
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import type { FeatureCollection, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { makeTempDir, removeTempDirs, square, writeShapefile, zipCli } from '../../test/ingest-helpers'
import { LUOLONG, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'
import { decodeTile } from '../../tiles/decode'
import { lonToTileX, latToTileY } from '../../tiles/tile-math'

let t: TestApp
type Headers = { authorization: string }
let analyst: Headers, surveyor: Headers, inspector: Headers, otherCounty: Headers

const ROWS = [
  { 宗地编号: '410311-OW-001', 权利人: '洛阳栾川钼业集团股份有限公司', 土地用途: '工业用地', 行政区代码: LUOLONG },
  // a natural person: personal data
  { 宗地编号: '410311-OW-002', 权利人: '张三丰', 土地用途: '工业用地', 行政区代码: LUOLONG },
  { 宗地编号: '410311-OW-003', 权利人: '中信重工机械股份有限公司（洛阳）', 土地用途: '仓储用地', 行政区代码: LUOLONG },
]
const place = (i: number): [number, number] => [112.47 + i * 0.003, 34.66]

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.app.db)
  analyst = await t.loginAs('analyst', [LUOLONG])
  surveyor = await t.loginAs('surveyor', [LUOLONG])
  inspector = await t.loginAs('inspector', [LUOLONG])
  otherCounty = await t.loginAs('surveyor', ['410323'])
  const dir = makeTempDir('onemap-owner-')
  const fc: FeatureCollection<Polygon> = {
    type: 'FeatureCollection',
    features: ROWS.map((properties, i) => ({ type: 'Feature', properties, geometry: square(...place(i)) })),
  }
  writeShapefile(dir, fc, { epsg: 4546, name: '宗地' })
  const zip = zipCli(join(dir, 'owners.zip'), dir, ['宗地.shp', '宗地.shx', '宗地.dbf', '宗地.prj', '宗地.cpg'])
  const body = multipart({ layer: 'parcels' }, uploadFile(zip))
  const res = await t.app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...analyst } })
  expect(res.statusCode, res.body).toBe(201)
  expect(res.json().report).toMatchObject({ accepted: 3, errors: 0, warnings: 0 })
  const commit = await t.app.inject({ method: 'POST', url: `/api/uploads/${res.json().id}/commit`, headers: analyst, payload: {} })
  expect(commit.json()).toEqual({ inserted: 3, updated: 0, unchanged: 0 })
})
afterAll(async () => {
  await t?.close()
  removeTempDirs()
})

const search = async (q: string, headers: Headers) => {
  const res = await t.app.inject({ url: `/api/parcels?q=${encodeURIComponent(q)}`, headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().features.map((f: { properties: { code: string; owner_name: string | null } }) => [f.properties.code, f.properties.owner_name])
}

async function workbook(url: string, headers: Headers) {
  const res = await t.app.inject({ url, headers })
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
  return wb
}

describe('the owner (权利人) of uploaded parcels', () => {
  it('is found by the search, by any part of the name, full-width or spaced, with the other words of the query', async () => {
    expect(await search('栾川钼业', surveyor)).toEqual([['410311-OW-001', '洛阳栾川钼业集团股份有限公司']])
    expect(await search('张三丰', inspector)).toEqual([['410311-OW-002', '张三丰']])
    // full-width brackets typed half-width, a space inside the name
    expect(await search('重工机械 股份有限公司(洛阳)', analyst)).toEqual([['410311-OW-003', '中信重工机械股份有限公司（洛阳）']])
    // every word must match: the owner and the code narrow each other
    expect(await search('股份有限公司 OW-003', analyst)).toEqual([['410311-OW-003', '中信重工机械股份有限公司（洛阳）']])
    expect(await search('张三丰 OW-001', analyst)).toEqual([])
    // another county's surveyor finds nothing: out of scope is as missing
    expect(await search('张三丰', otherCounty)).toEqual([])
  })

  it('is on the card of every role that sees the card, and in the file (一地一档)', async () => {
    for (const who of [analyst, surveyor, inspector]) {
      const card = await t.app.inject({ url: '/api/parcels/410311-OW-002', headers: who })
      expect(card.statusCode).toBe(200)
      expect(card.json().properties.owner_name).toBe('张三丰')
    }
    const file = (await t.app.inject({ url: '/api/parcels/410311-OW-002/history', headers: surveyor })).json()
    const registration = file.events.find((e: { type: string }) => e.type === 'registration')
    expect(registration.value.owner_name).toBe('张三丰')
    expect(registration.upload).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('is in the card XLSX (card and file sheets) and in the list XLSX', async () => {
    const wb = await workbook('/api/parcels/410311-OW-001/export.xlsx', surveyor)
    const rows = new Map<string, string>()
    wb.getWorksheet('宗地卡片')!.eachRow((r, n) => { if (n > 1) rows.set(String(r.getCell(1).value), String(r.getCell(2).value)) })
    expect(rows.get('权利人')).toBe('洛阳栾川钼业集团股份有限公司')
    const fileCells: string[] = []
    wb.getWorksheet('宗地档案')!.eachRow((r) => r.eachCell((c) => fileCells.push(String(c.value ?? ''))))
    expect(fileCells.join('\n')).toContain('权利人 洛阳栾川钼业集团股份有限公司')

    const list = (await workbook('/api/parcels/export.xlsx?q=410311-OW', analyst)).getWorksheet('宗地一览')!
    const header = (list.getRow(1).values as unknown[]).map(String)
    const col = header.indexOf('权利人')
    expect(col).toBeGreaterThan(0)
    const owners: string[] = []
    list.eachRow((r, n) => { if (n > 1) owners.push(String(r.getCell(col).value)) })
    expect(owners).toEqual(ROWS.map((r) => r.权利人))
  })

  it('is an attribute of the parcel tiles for the signed-in roles, and the parcel tiles need a login', async () => {
    const [lon, lat] = place(1)
    const z = 15
    const url = `/tiles/parcels/${z}/${Math.floor(lonToTileX(lon + 0.0005, z))}/${Math.floor(latToTileY(lat + 0.0005, z))}.mvt`
    for (const who of [analyst, surveyor, inspector]) {
      const res = await t.app.inject({ url, headers: who })
      expect(res.statusCode).toBe(200)
      const f = decodeTile(res.rawPayload).parcels!.features.find((x) => x.properties.code === '410311-OW-002')!
      expect(f.properties.owner_name).toBe('张三丰')
    }
    expect((await t.app.inject({ url })).statusCode).toBe(401)
    const anonymous = await t.app.inject({ url: '/tiles/parcels.json' })
    expect(anonymous.body).not.toContain('owner_name')
  })

  it('is corrected by an edit, the old value kept in the file', async () => {
    const card = await t.app.inject({ url: '/api/parcels/410311-OW-002', headers: surveyor })
    const res = await t.app.inject({
      method: 'PATCH', url: '/api/parcels/410311-OW-002', headers: { ...surveyor, 'if-match': card.headers.etag as string },
      payload: { owner_name: '张三丰（已更正）', note: '权利人更正' },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().properties.owner_name).toBe('张三丰（已更正）')
    const file = (await t.app.inject({ url: '/api/parcels/410311-OW-002/history', headers: surveyor })).json()
    const change = file.events.find((e: { type: string }) => e.type === 'attribute_change')
    expect(change.changes).toEqual(expect.arrayContaining([{ field: 'owner_name', old: '张三丰', new: '张三丰（已更正）' }]))
  })
})
