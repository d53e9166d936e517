/** Exports on the embedded database (PGlite, `npm start`'s default), which has one connection:
 * an export reads each batch in a short transaction of its own and holds none while the reader
 * reads, so a file larger than the stream's buffer (here 5000 parcels, ~3 MB of GeoJSON) comes out
 * whole while the same request's audit event (written before the answer goes out) and other
 * requests use that one connection. Every feature arrives, in every streamed format. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { App } from '../app'
import type { Database } from '../db/connect'
import { budget } from '../test/budget'
import { openEmbeddedApp, type EmbeddedApp } from '../test/embedded-app'

const N = 5000
/** where the test writes the shapefile it reads with GDAL */
const scratch = mkdtempSync(join(tmpdir(), 'onemap-embedded-export-shp-'))
let embedded: EmbeddedApp<void>
let database: Database
let app: App

beforeAll(async () => {
  embedded = await openEmbeddedApp('onemap-embedded-export-', async (db) => {
    await db.none("INSERT INTO county (code, name) VALUES ('410311', '洛龙区') ON CONFLICT DO NOTHING")
    // 5000 parcels of 80 m × 60 m on a 100 m grid in 洛龙区, each owner named in Chinese
    await db.none(`INSERT INTO parcel (code, county_code, land_use, stage, owner_name, geom)
      SELECT 'EM-' || lpad(g::text, 5, '0'), '410311', '工业用地', 'approved', '洛阳市第' || g || '机械厂',
        ST_Multi(ST_MakeEnvelope(112.3 + (g % 100) * 0.0011, 34.55 + (g / 100) * 0.0009, 112.3 + (g % 100) * 0.0011 + 0.00088, 34.55 + (g / 100) * 0.0009 + 0.00054, 4490))
      FROM generate_series(1, $1) g`, [N])
  })
  ;({ database, app } = embedded)
}, budget(40_000))

afterAll(async () => {
  await embedded?.close()
  rmSync(scratch, { recursive: true, force: true })
})

it('streams every parcel in GeoJSON, CSV, XLSX and a shapefile over the one connection, each export audited', { timeout: budget(40_000) }, async () => {
  expect(database.mode).toBe('embedded')
  const auth = await embedded.signIn()
  const get = async (format: string, crs = 'EPSG:4490') => {
    const res = await app.inject({ url: `/api/exports/parcels?format=${format}&crs=${crs}`, headers: auth })
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
    expect(res.headers['x-feature-count']).toBe(String(N))
    return res
  }
  const geojson = await get('geojson')
  expect(geojson.rawPayload.length).toBeGreaterThan(2 << 20)
  const fc = geojson.json() as { features: { properties: { code: string; owner_name: string } }[] }
  expect(fc.features.length).toBe(N)
  expect(new Set(fc.features.map((f) => f.properties.code)).size).toBe(N)
  expect(fc.features.find((f) => f.properties.code === 'EM-04321')?.properties.owner_name).toBe('洛阳市第4321机械厂')

  const csv = (await get('csv', 'EPSG:4547')).body
  expect(csv.trim().split('\r\n').length).toBe(N + 1)

  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load((await get('xlsx')).rawPayload as unknown as ArrayBuffer)
  expect(wb.worksheets[0]!.rowCount).toBe(N + 1)

  const zip = join(scratch, 'parcels.zip')
  writeFileSync(zip, (await get('shp', 'EPSG:4526')).rawPayload)
  const info = execFileSync('ogrinfo', ['-ro', '-al', '-so', `/vsizip/${zip}`], { encoding: 'utf8' })
  expect(info).toMatch(/Feature Count: 5000/)
  expect(info).toMatch(/Gauss-Kruger zone 38/)

  const audited = await database.db.one("SELECT count(*)::int AS n FROM security_event WHERE kind = 'export' AND (detail->>'rows')::int = $1", [N], (r: { n: number }) => r.n)
  expect(audited).toBe(4)
})
