/** The stated limits. An export built in memory (DXF) past ONEMAP_EXPORT_MEMORY_LIMIT features is
 * a 413 naming the limit, before any byte (nothing cut silently); the streamed formats, and the
 * GeoPackage written to a file on disk, have no such limit.
 *
 * Filtered reads under statement_timeout (server/ogc/timeout.ts): an OGC items request or an
 * export with a CQL2 filter or a bbox that the database cannot answer within
 * ONEMAP_QUERY_TIMEOUT_MS is stopped by PostgreSQL and answered 503 query_timeout with a Chinese
 * message, never a 500. The slowness is made certain, not hoped for: another transaction holds
 * an ACCESS EXCLUSIVE lock on the parcels while the requests run, so they wait until the timeout
 * cancels them, however fast the machine; once the lock is gone the same requests answer 200. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test/app'
import { insertParcel, seedPlaces, COUNTY_A } from '../test/land'

let t: TestApp
let analyst: { authorization: string }

beforeAll(async () => {
  t = await createTestApp({ ONEMAP_QUERY_TIMEOUT_MS: '300', ONEMAP_EXPORT_MEMORY_LIMIT: '1' })
  await seedPlaces(t.app.db)
  await insertParcel(t.app.db, { code: 'LL-T-001', county: COUNTY_A })
  await insertParcel(t.app.db, { code: 'LL-T-002', county: COUNTY_A, lon: 112.46 })
  analyst = await t.loginAs('analyst', [COUNTY_A])
})
afterAll(async () => {
  await t?.close()
})

const filter = encodeURIComponent("code LIKE 'LL-T-%'")
const URLS = [
  `/ogc/collections/parcels/items?filter=${filter}`,
  '/ogc/collections/parcels/items?bbox=112.4,34.5,112.5,34.7',
  `/api/exports/parcels?format=geojson&filter=${filter}`,
  '/api/exports/parcels?format=shp&bbox=112.4,34.5,112.5,34.7',
]

describe('a filter slower than the query timeout', () => {
  it('is a 503 query_timeout with a Chinese message while the parcels are locked, and answers once they are not', async () => {
    let release!: () => void
    const held = new Promise<void>((r) => { release = r })
    let locked!: () => void
    const isLocked = new Promise<void>((r) => { locked = r })
    const lock = t.app.db.tx(async (tx) => {
      await tx.none('LOCK TABLE parcel IN ACCESS EXCLUSIVE MODE')
      locked()
      await held
    })
    await isLocked
    try {
      for (const url of URLS) {
        const res = await t.app.inject({ url, headers: analyst })
        expect(res.statusCode, `${url}: ${res.body}`).toBe(503)
        expect(res.json()).toMatchObject({ code: 'query_timeout' })
        expect(res.json().message).toMatch(/^查询超时（超过 0\.3 秒）/)
      }
    } finally {
      release()
      await lock
    }
    for (const url of URLS) {
      const res = await t.app.inject({ url, headers: analyst })
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200)
    }
    const exported = await t.app.inject({ url: `/api/exports/parcels?format=geojson&filter=${filter}`, headers: analyst })
    expect(exported.json().features.map((f: { properties: { code: string } }) => f.properties.code).sort()).toEqual(['LL-T-001', 'LL-T-002'])
  })
})

describe('an export built in memory past its limit', () => {
  it('is a 413 naming the limit and the count, for DXF; the streamed formats and the GeoPackage have no limit', async () => {
    const res = await t.app.inject({ url: '/api/exports/parcels?format=dxf&crs=EPSG:4547', headers: analyst })
    expect(res.statusCode, res.body).toBe(413)
    expect(res.json()).toMatchObject({ code: 'export_too_large', detail: { limit: 1, count: 2 } })
    expect(res.json().message).toMatch(/最多 1 个要素，本次 2 个/)
    const one = await t.app.inject({ url: `/api/exports/parcels?format=dxf&crs=EPSG:4547&filter=${encodeURIComponent("code = 'LL-T-001'")}`, headers: analyst })
    expect(one.statusCode).toBe(200)
    expect(one.headers['x-export-limit']).toBe('1')
    expect(one.headers['x-feature-count']).toBe('1')
    for (const format of ['geojson', 'csv', 'kml', 'xlsx', 'shp', 'gpkg']) {
      const res = await t.app.inject({ url: `/api/exports/parcels?format=${format}`, headers: analyst })
      expect(res.statusCode, format).toBe(200)
      expect(res.headers['x-feature-count']).toBe('2')
      expect(res.headers['x-export-limit']).toBeUndefined()
    }
  })
})
