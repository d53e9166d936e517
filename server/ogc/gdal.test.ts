/** GDAL as the outside client of /ogc (its OAPIF driver, the one QGIS builds on): `ogrinfo` lists
 * every collection the token's owner may read and no other; `ogr2ogr -f GPKG` of the parcels, with
 * a personal access token as the HTTP Basic password, copies every parcel of the owner's counties
 * (count, codes and corners compared with the API); without the token the land is not there.
 *
 * GDAL here is 3.6 (Debian 12): its OAPIF driver reads every layer in CRS84 and has no Part 2
 * (`-oo CRS=` needs GDAL ≥ 3.7), so the crs parameter is tested over HTTP (ogc.test.ts). */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test/app'
import { insertMapFixture, type MapFixture } from '../test/tiles-fixture'

const run = promisify(execFile)

let t: TestApp
let fx: MapFixture
let root: string
let dir: string
let token: string
let session: { authorization: string }

beforeAll(async () => {
  t = await createTestApp()
  fx = await insertMapFixture(t.database.db)
  session = await t.loginAs('surveyor', ['410311'], 'gdal.user')
  const made = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: session, payload: { name: 'GDAL', scope: 'read' } })
  token = made.json().token
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  const address = t.app.server.address() as { port: number }
  root = `http://127.0.0.1:${address.port}/ogc`
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-gdal-'))
})
afterAll(async () => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
  await t?.close()
})

/** GDAL's own environment, plus the Basic credentials when given (never on the command line). */
function gdalEnv(userpwd?: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH, HOME: process.env.HOME, GDAL_HTTP_TIMEOUT: '60',
    ...(userpwd ? { GDAL_HTTP_AUTH: 'BASIC', GDAL_HTTP_USERPWD: userpwd } : {}),
  }
}

/** Layer names of `ogrinfo -ro -q`'s listing ("1: parcels (Multi Polygon)"). */
async function layers(userpwd?: string): Promise<string[]> {
  const { stdout } = await run('ogrinfo', ['-ro', '-q', `OAPIF:${root}`], { env: gdalEnv(userpwd) })
  return [...stdout.matchAll(/^\d+: (\S+)/gm)].map((m) => m[1]!).sort()
}

describe('GDAL (OAPIF driver) as the client', () => {
  it('ogrinfo lists every collection the token\'s owner may read, and the public only the public ones', async () => {
    const api = (await t.app.inject({ url: '/ogc/collections', headers: session })).json().collections.map((c: { id: string }) => c.id).sort()
    expect(api).toContain('parcels')
    expect(await layers(`gdal.user:${token}`)).toEqual(api)
    expect(await layers()).toEqual(['clusters', 'counties', 'plan_zones'])
  })

  it('ogr2ogr -f GPKG with the token as Basic password copies every parcel of the scope', async () => {
    const gpkg = path.join(dir, 'parcels.gpkg')
    await run('ogr2ogr', ['-f', 'GPKG', gpkg, `OAPIF:${root}`, 'parcels'], { env: gdalEnv(`gdal.user:${token}`) })
    const { stdout } = await run('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', gpkg, 'parcels'], { env: gdalEnv(), maxBuffer: 64 << 20 })
    const copied = JSON.parse(stdout) as { features: { properties: Record<string, unknown>; geometry: { coordinates: number[][][][] } }[] }
    const expected: string[] = (await t.database.db.any(
      `SELECT code FROM parcel WHERE county_code = '410311' AND retired_at IS NULL ORDER BY code`)).map((r: { code: string }) => r.code)
    expect(copied.features.length).toBe(expected.length)
    expect(copied.features.map((f) => f.properties.code).sort()).toEqual(expected)
    // what the API gives for the same parcels (codes, areas, corners to 1e-9°)
    const api = (await t.app.inject({ url: '/ogc/collections/parcels/items?limit=1000', headers: session })).json()
    expect(api.numberMatched).toBe(expected.length)
    for (const f of copied.features) {
      const same = api.features.find((a: { properties: { code: string } }) => a.properties.code === f.properties.code)
      expect(f.properties.area_m2).toBe(same.properties.area_m2)
      const [lon, lat] = f.geometry.coordinates[0]![0]![0]!
      const [alon, alat] = same.geometry.coordinates[0][0][0]
      expect(Math.abs(lon! - alon)).toBeLessThan(1e-9)
      expect(Math.abs(lat! - alat)).toBeLessThan(1e-9)
      // the fixture's own corner: the south-west one, written first
      const box = fx.parcels.find((p) => p.code === f.properties.code)!.box
      expect(Math.abs(lon! - box[0])).toBeLessThan(1e-8)
      expect(Math.abs(lat! - box[1])).toBeLessThan(1e-8)
    }
    // no other county's parcel, and no sensitive field for a surveyor
    expect(copied.features.every((f) => f.properties.county_code === '410311')).toBe(true)
    expect(Object.keys(copied.features[0]!.properties)).not.toContain('price_wan')
  })

  it('ogr2ogr -where is pushed to the server as a CQL filter and selects what SQL selects', async () => {
    const gpkg = path.join(dir, 'where.gpkg')
    const { stderr } = await run('ogr2ogr', ['-f', 'GPKG', gpkg, `OAPIF:${root}`, 'parcels', '-where', "code LIKE 'LL-00%' AND stage = 'producing'"],
      { env: { ...gdalEnv(`gdal.user:${token}`), CPL_DEBUG: 'ON' }, maxBuffer: 64 << 20 })
    // the driver sent the filter (it does so only when /ogc/api lists filter-lang cql-text)
    expect(stderr).toMatch(/Fetch\(http:[^\n]*\/ogc\/collections\/parcels\/items\?[^\n]*filter=/)
    const { stdout } = await run('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', gpkg, 'parcels'], { env: gdalEnv(), maxBuffer: 64 << 20 })
    const got = (JSON.parse(stdout) as { features: { properties: { code: string } }[] }).features.map((f) => f.properties.code).sort()
    const expected: string[] = (await t.database.db.any(
      `SELECT code FROM parcel WHERE county_code = '410311' AND code LIKE 'LL-00%' AND stage = 'producing' ORDER BY code`)).map((r: { code: string }) => r.code)
    expect(expected.length).toBeGreaterThan(0)
    expect(got).toEqual(expected)
  })

  it('without the token, or with a revoked one, the parcels are not there', async () => {
    await expect(run('ogrinfo', ['-ro', '-so', `OAPIF:${root}`, 'parcels'], { env: gdalEnv() })).rejects.toThrow()
    const made = (await t.app.inject({ method: 'POST', url: '/api/tokens', headers: session, payload: { name: 'revoked' } })).json()
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${made.id}`, headers: session })).statusCode).toBe(204)
    await expect(run('ogrinfo', ['-ro', '-so', `OAPIF:${root}`, 'parcels'], { env: gdalEnv(`gdal.user:${made.token}`) })).rejects.toThrow()
  })
})
