/** The embedded database's write path: its socket (pglite-socket) cannot carry COPY, so staging
 * uses multi-row INSERTs there. The same upload, report and commit as on a server, on a real
 * embedded PGlite + PostGIS started in a temp dir (about 10 s). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp, type App } from '../../app'
import { hashPassword } from '../../auth'
import { loadConfig } from '../../config'
import { type Database, openDatabase } from '../../db/connect'
import { makeTempDir, parcelCollection, removeTempDirs, writeShapefile, zipCli } from '../../test/ingest-helpers'
import { LUOLONG, gdalAreas, multipart, seedPlaces, uploadFile } from '../../test/upload-fixture'

const dataDir = mkdtempSync(join(tmpdir(), 'onemap-embedded-upload-'))
let database: Database
let app: App

beforeAll(async () => {
  database = await openDatabase({ databaseUrl: null, dataDir })
  await seedPlaces(database.db)
  await database.db.users.create({ username: 'ana', display_name: 'ana', role: 'analyst', county_scope: [LUOLONG], password_hash: await hashPassword('embedded-pw-1') })
  // as a running service has it: today's analysis snapshot, which the commit must keep fresh
  await database.db.one('SELECT analysis.refresh_all(luoyang_today())')
  app = await buildApp({ config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_UPLOAD_DEFER_ANALYSIS_FEATURES: '1000' }), database })
}, 180_000)

afterAll(async () => {
  await app?.close()
  await database?.close()
  rmSync(dataDir, { recursive: true, force: true })
  removeTempDirs()
})

it('stages with INSERTs, checks and commits a GBK shapefile on the embedded database', async () => {
  expect(database.mode).toBe('embedded')
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ana', password: 'embedded-pw-1' } })
  const auth = { authorization: `Bearer ${login.json().token}` }

  // 1200 parcels: more than two INSERT batches of 500.
  const rows = Array.from({ length: 1200 }, (_, i) => ({ 宗地编号: `EMB-${i}`, 权利人: '洛阳镕晟新材料有限公司', 土地用途: '工业用地' }))
  const fc = parcelCollection(rows, (i) => [112.36 + (i % 100) * 0.0012, 34.56 + Math.floor(i / 100) * 0.0012])
  const dir = makeTempDir('onemap-upload-emb-')
  const shp = writeShapefile(dir, fc, { epsg: 4546, name: '宗地' })
  const expected = gdalAreas(shp, dir, '宗地编号')
  const zip = zipCli(join(dir, 'up.zip'), dir, ['宗地.shp', '宗地.shx', '宗地.dbf', '宗地.prj', '宗地.cpg'])

  const body = multipart({ layer: 'parcels' }, uploadFile(zip))
  const res = await app.inject({ method: 'POST', url: '/api/uploads', payload: body.payload, headers: { ...body.headers, ...auth } })
  expect(res.statusCode, res.body).toBe(201)
  expect(res.json().report).toMatchObject({ featureCount: 1200, accepted: 1200, errors: 0, warnings: 0, new: 1200 })
  // a new field mapping, applied to the staging on the embedded database: the owner left out
  const remapped = await app.inject({ method: 'PUT', url: `/api/uploads/${res.json().id}/mapping`, headers: auth,
    payload: { mapping: { code: '宗地编号', land_use: '土地用途', owner_name: null } } })
  expect(remapped.statusCode, remapped.body).toBe(200)
  expect(remapped.json().report).toMatchObject({ featureCount: 1200, accepted: 1200, errors: 0 })
  const again = await app.inject({ method: 'PUT', url: `/api/uploads/${res.json().id}/mapping`, headers: auth,
    payload: { mapping: { code: '宗地编号', land_use: '土地用途', owner_name: '权利人' } } })
  expect(again.statusCode, again.body).toBe(200)
  const commit = await app.inject({ method: 'POST', url: `/api/uploads/${res.json().id}/commit`, headers: auth })
  expect(commit.json()).toEqual({ inserted: 1200, updated: 0, unchanged: 0 })
  // the statement-level event log (migration 800) on PGlite: one insert event per parcel
  expect(await database.db.one(`SELECT count(*)::int AS n FROM event_log e JOIN parcel p ON p.id = e.parcel_id
    WHERE p.code LIKE 'EMB-%' AND e.action = 'insert'`, [], (r) => r.n)).toBe(1200)
  // 1200 > 1000: the analysis refresh was queued with the commit and worked off right after it
  for (let i = 0; i < 600 && (await database.db.analysis.pendingCount()) > 0; i++) await new Promise((r) => setTimeout(r, 50))
  expect(await database.db.analysis.pendingCount()).toBe(0)
  expect(await database.db.one('SELECT analysis.materialised_for(luoyang_today()) AS m', [], (r) => r.m)).toBe(true)

  const stored = await database.db.any("SELECT code, owner_name, area_m2 FROM parcel WHERE code LIKE 'EMB-%'")
  expect(stored).toHaveLength(1200)
  for (const p of stored) {
    expect(p.owner_name).toBe('洛阳镕晟新材料有限公司')
    expect(Math.abs(p.area_m2 - expected.get(p.code)!) / expected.get(p.code)!).toBeLessThan(0.001)
  }
}, 180_000)

