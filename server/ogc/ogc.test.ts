/** OGC API – Features at /ogc over HTTP (app.inject) on the map fixture: the collections each role
 * may read (the others absent and 404), the county scope and the withheld fields as in tiles and
 * cards, paging by next links (cursor) and by offset (with prev), bbox and bbox-crs, the crs
 * parameter with its axis order checked against proj4 and PostGIS's ST_Transform within 1 mm,
 * Content-Crs, and a 400 naming each wrong parameter. The GDAL client test is gdal.test.ts. */
import proj4 from 'proj4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test/app'
import { insertMapFixture, type MapFixture } from '../test/tiles-fixture'

let t: TestApp
let fx: MapFixture
let analyst: { authorization: string }
let surveyor: { authorization: string }

beforeAll(async () => {
  t = await createTestApp()
  fx = await insertMapFixture(t.database.db)
  analyst = await t.loginAs('analyst', ['410311'], 'ana.ogc')
  surveyor = await t.loginAs('surveyor', ['410311'], 'sur.ogc')
})
afterAll(async () => t?.close())

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers })
type Feature = { id: number | string; geometry: { type: string; coordinates: number[][][][] }; properties: Record<string, unknown> }
type Page = { numberMatched: number; numberReturned: number; links: { rel: string; href: string; type?: string }[]; features: Feature[] }

/** Every feature of a collection, following the next links as GDAL does. */
async function all(url: string, headers: Record<string, string>): Promise<{ features: Feature[]; pages: Page[] }> {
  const features: Feature[] = []
  const pages: Page[] = []
  let next: string | undefined = url
  while (next) {
    const res = await get(next, headers)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/)
    const page = res.json() as Page
    pages.push(page)
    features.push(...page.features)
    const link = page.links.find((l) => l.rel === 'next')
    if (link) expect(link.type).toBe('application/geo+json')
    next = link ? link.href.replace(/^http:\/\/[^/]+/, '') : undefined
  }
  return { features, pages }
}

describe('landing, conformance, collections', () => {
  it('the landing page links the OpenAPI, conformance and collections with absolute addresses', async () => {
    const res = await get('/ogc', { host: 'gis.example.test' })
    expect(res.statusCode).toBe(200)
    const rels = Object.fromEntries(res.json().links.map((l: { rel: string; href: string }) => [l.rel, l.href]))
    expect(rels).toMatchObject({
      self: 'http://gis.example.test/ogc', 'service-desc': 'http://gis.example.test/ogc/api',
      conformance: 'http://gis.example.test/ogc/conformance', data: 'http://gis.example.test/ogc/collections',
    })
    const conf = (await get('/ogc/conformance')).json().conformsTo
    expect(conf).toEqual(expect.arrayContaining([
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
      'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
    ]))
    const api = await get('/ogc/api', { ...analyst, accept: 'application/vnd.oai.openapi+json;version=3.0' })
    expect(api.headers['content-type']).toMatch(/^application\/vnd\.oai\.openapi\+json; ?version="?3\.0/)
    expect((await get('/ogc/api', { accept: 'application/json' })).headers['content-type']).toMatch(/^application\/json/)
    const doc = api.json()
    expect(doc.paths['/collections/parcels/items'].get.parameters).toContainEqual({ $ref: '#/components/parameters/limit' })
    expect(doc.components.parameters.limit.schema).toMatchObject({ maximum: 10000, default: 100 })
    // the public's document has no land in it
    expect(Object.keys((await get('/ogc/api')).json().paths)).not.toContain('/collections/parcels/items')
  })

  it('the public sees the public layers only; the land is absent and 404, as an unknown collection', async () => {
    const ids = (await get('/ogc/collections')).json().collections.map((c: { id: string }) => c.id)
    expect(ids.sort()).toEqual(['clusters', 'counties', 'plan_zones'])
    for (const id of ['parcels', 'contracts', 'alerts', 'idle', 'nothing']) {
      for (const url of [`/ogc/collections/${id}`, `/ogc/collections/${id}/items`, `/ogc/collections/${id}/items/1`]) {
        const res = await get(url)
        expect(res.statusCode, url).toBe(404)
        expect(res.json().code).toBe('not_found')
      }
    }
    // a public collection gives the public no sensitive field (a cluster's tax target)
    const clusters = (await get('/ogc/collections/clusters/items')).json() as Page
    expect(clusters.numberMatched).toBe(2)
    for (const f of clusters.features) expect(Object.keys(f.properties)).not.toContain('target_tax_per_mu')
  })

  it('a signed-in role sees the land collections, each with the CRS list and the storage CRS', async () => {
    const res = (await get('/ogc/collections', surveyor)).json()
    const ids = res.collections.map((c: { id: string }) => c.id)
    for (const id of ['clusters', 'counties', 'plan_zones', 'parcels', 'unsupplied', 'batches', 'changes', 'alerts', 'contracts', 'idle', 'inefficient', 'used_before_supply', 'conformity']) {
      expect(ids).toContain(id)
    }
    const parcels = res.collections.find((c: { id: string }) => c.id === 'parcels')
    expect(parcels.crs).toEqual(expect.arrayContaining(['http://www.opengis.net/def/crs/OGC/1.3/CRS84', 'http://www.opengis.net/def/crs/EPSG/0/4547']))
    expect(parcels.storageCrs).toBe('http://www.opengis.net/def/crs/EPSG/0/4490')
    expect(parcels.links.find((l: { rel: string }) => l.rel === 'items')).toMatchObject({ type: 'application/geo+json' })
  })
})

describe('items', () => {
  it('pages by next links through every parcel of the scope, each once, the count exact', async () => {
    const expected: string[] = (await t.database.db.any(
      `SELECT code FROM parcel WHERE county_code = '410311' AND retired_at IS NULL ORDER BY code`)).map((r: { code: string }) => r.code)
    expect(expected.length).toBe(13)
    const { features, pages } = await all('/ogc/collections/parcels/items?limit=5', surveyor)
    expect(pages.length).toBe(3)
    expect(pages.map((p) => p.numberReturned)).toEqual([5, 5, 3])
    for (const p of pages) expect(p.numberMatched).toBe(13)
    expect(features.map((f) => f.properties.code).sort()).toEqual(expected)
    expect(new Set(features.map((f) => f.id)).size).toBe(13)
    for (const f of features) {
      expect(f.id).toBe(fx.ids[f.properties.code as string])
      // the other county's parcels never appear
      expect(f.properties.county_code).toBe('410311')
    }
  })

  it('withholds price and tax from a surveyor and gives them to an analyst; owner_name to both', async () => {
    const code = fx.enterprise.parcel
    const find = async (headers: Record<string, string>) =>
      (await all('/ogc/collections/parcels/items?limit=100', headers)).features.find((f) => f.properties.code === code)!
    const sur = await find(surveyor)
    expect(Object.keys(sur.properties)).toContain('owner_name')
    for (const k of ['price_wan', 'tax_wan', 'output_wan']) expect(Object.keys(sur.properties)).not.toContain(k)
    const ana = await find(analyst)
    expect(ana.properties.price_wan).toBe(fx.enterprise.price_wan)
    expect(ana.properties.tax_wan).toBe(fx.enterprise.tax_wan)
    const contracts = (await get('/ogc/collections/contracts/items', surveyor)).json() as Page
    expect(contracts.features.map((f) => f.properties.contract_no)).toEqual(['HT-2020-004'])
    expect(Object.keys(contracts.features[0]!.properties)).not.toContain('price_wan')
  })

  it('pages by offset with prev and next links, for clients that page by offset', async () => {
    const page = (await get('/ogc/collections/parcels/items?limit=5&offset=5', surveyor)).json() as Page
    expect(page.numberReturned).toBe(5)
    const rel = (r: string) => new URL(page.links.find((l) => l.rel === r)!.href).searchParams
    expect(rel('next').get('offset')).toBe('10')
    expect(rel('prev').get('offset')).toBe('0')
    expect(rel('next').get('limit')).toBe('5')
  })

  it('one feature by id, 404 outside the scope as unknown', async () => {
    const res = await get(`/ogc/collections/parcels/items/${fx.ids['LL-001']}`, surveyor)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-crs']).toBe('<http://www.opengis.net/def/crs/OGC/1.3/CRS84>')
    expect(res.json()).toMatchObject({ type: 'Feature', id: fx.ids['LL-001'], properties: { code: 'LL-001' } })
    expect((await get(`/ogc/collections/parcels/items/${fx.ids['GX-001']}`, surveyor)).statusCode).toBe(404)
    expect((await get('/ogc/collections/parcels/items/999999999', surveyor)).statusCode).toBe(404)
    expect((await get('/ogc/collections/parcels/items/abc', surveyor)).statusCode).toBe(404)
    const cluster = await get('/ogc/collections/clusters/items/luolong')
    expect(cluster.json()).toMatchObject({ id: 'luolong', properties: { name: '洛龙产业集聚区' } })
  })

  it('bbox selects what ST_Intersects selects, in CRS84 and in a Gauss-Krüger bbox-crs', async () => {
    const box = fx.parcels.find((p) => p.code === 'LL-006')!.box
    // a box around one parcel's south-west corner: that parcel and nothing else
    const [w, s] = box
    const bbox = [w - 0.0001, s - 0.0001, w + 0.0001, s + 0.0001]
    const expected: string[] = (await t.database.db.any(
      `SELECT code FROM parcel WHERE county_code = '410311' AND ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4490)) ORDER BY code`, bbox))
      .map((r: { code: string }) => r.code)
    expect(expected).toEqual(['LL-006'])
    const page = (await get(`/ogc/collections/parcels/items?bbox=${bbox.join(',')}`, surveyor)).json() as Page
    expect(page.features.map((f) => f.properties.code)).toEqual(expected)
    expect(page.numberMatched).toBe(1)
    // the same box in EPSG:4547, northing,easting order
    const gk = proj4('EPSG:4326', GK_114)
    const [e0, n0] = gk.forward([bbox[0]!, bbox[1]!])
    const [e1, n1] = gk.forward([bbox[2]!, bbox[3]!])
    const uri = 'http://www.opengis.net/def/crs/EPSG/0/4547'
    const gkPage = (await get(`/ogc/collections/parcels/items?bbox=${[n0, e0, n1, e1].join(',')}&bbox-crs=${encodeURIComponent(uri)}`, surveyor)).json() as Page
    expect(gkPage.features.map((f) => f.properties.code)).toEqual(expected)
    expect(new URL(gkPage.links.find((l) => l.rel === 'self')!.href).searchParams.get('bbox-crs')).toBe(uri)
  })
})

const GK_114 = '+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
const GK_111 = '+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
const GK_37 = '+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=37500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'
const GK_38 = '+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=38500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'

describe('analysis findings', () => {
  it('each finding of the engine\'s table is a feature of its collection, the reason for sensitive roles only, in scope', async () => {
    // two findings as the engine writes them (analysis.parcel_status), one in another county
    await t.database.db.none(`INSERT INTO analysis.parcel_status (parcel_id, rule, classification, county_code, cluster_code, stage, suspended, area_m2, reason)
      VALUES ($1, 'idle_one_year', 'idle', '410311', 'luolong', 1, false, 8000, '{"days_idle": 400, "tax_wan": 12}'),
             ($2, 'idle_one_year', 'idle', '410305', 'gaoxin', 1, false, 9000, '{"days_idle": 500}')`, [fx.ids['LL-002'], fx.ids['GX-001']])
    const ana = (await get('/ogc/collections/idle/items', analyst)).json() as Page
    expect(ana.numberMatched).toBe(1)
    expect(ana.features[0]).toMatchObject({ id: `${fx.ids['LL-002']}:idle_one_year`, properties: { parcel_code: 'LL-002', rule: 'idle_one_year', stage: 1, suspended: false } })
    expect(JSON.parse(ana.features[0]!.properties.reason as string)).toEqual({ days_idle: 400, tax_wan: 12 })
    const sur = (await get('/ogc/collections/idle/items', surveyor)).json() as Page
    expect(sur.features.map((f) => f.properties.parcel_code)).toEqual(['LL-002'])
    expect(Object.keys(sur.features[0]!.properties)).not.toContain('reason')
    const one = await get(`/ogc/collections/idle/items/${encodeURIComponent(`${fx.ids['LL-002']}:idle_one_year`)}`, surveyor)
    expect(one.statusCode).toBe(200)
    expect((await get(`/ogc/collections/idle/items/${encodeURIComponent(`${fx.ids['GX-001']}:idle_one_year`)}`, surveyor)).statusCode).toBe(404)
    expect(((await get('/ogc/collections/inefficient/items', analyst)).json() as Page).numberMatched).toBe(0)
  })
})

describe('crs (Part 2)', () => {
  it.each([[4546, GK_111], [4547, GK_114], [4525, GK_37], [4526, GK_38]])(
    'EPSG:%i: northing,easting within 1 mm of proj4 and of ST_Transform, with Content-Crs', async (srid, def) => {
      const uri = `http://www.opengis.net/def/crs/EPSG/0/${srid}`
      const id = fx.ids['LL-001']!
      const res = await get(`/ogc/collections/parcels/items/${id}?crs=${encodeURIComponent(uri)}`, surveyor)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.headers['content-crs']).toBe(`<${uri}>`)
      const ring = (res.json() as Feature).geometry.coordinates[0]![0]!
      const lonlat: number[][] = JSON.parse(await t.database.db.one(
        'SELECT ST_AsGeoJSON(geom, 15) AS g FROM parcel WHERE id = $1', [id], (r: { g: string }) => r.g)).coordinates[0][0]
      const postgis: number[][] = JSON.parse(await t.database.db.one(
        'SELECT ST_AsGeoJSON(ST_Transform(geom, $2), 6) AS g FROM parcel WHERE id = $1', [id, srid], (r: { g: string }) => r.g)).coordinates[0][0]
      expect(ring.length).toBe(lonlat.length)
      const toGk = proj4('EPSG:4326', def)
      ring.forEach(([north, east], i) => {
        const [e, n] = toGk.forward(lonlat[i]!)
        expect(Math.abs(east! - e!)).toBeLessThan(0.001)
        expect(Math.abs(north! - n!)).toBeLessThan(0.001)
        expect(Math.abs(east! - postgis[i]![0]!)).toBeLessThan(0.001)
        expect(Math.abs(north! - postgis[i]![1]!)).toBeLessThan(0.001)
      })
    })

  it('EPSG:4490 and 4326 are lat,lon; CRS84 (the default) lon,lat; EPSG:4547 accepted as a CURIE', async () => {
    const id = fx.ids['LL-001']!
    const first = async (crs?: string) => {
      const res = await get(`/ogc/collections/parcels/items/${id}${crs ? `?crs=${encodeURIComponent(crs)}` : ''}`, surveyor)
      expect(res.statusCode, res.body).toBe(200)
      return { p: (res.json() as Feature).geometry.coordinates[0]![0]![0]!, crs: res.headers['content-crs'] }
    }
    const [lon, lat] = fx.parcels.find((p) => p.code === 'LL-001')!.box
    const crs84 = await first()
    expect(crs84.p[0]).toBeCloseTo(lon, 9)
    expect(crs84.p[1]).toBeCloseTo(lat, 9)
    for (const c of ['http://www.opengis.net/def/crs/EPSG/0/4490', 'http://www.opengis.net/def/crs/EPSG/0/4326']) {
      const r = await first(c)
      expect(r.crs).toBe(`<${c}>`)
      expect(r.p[0]).toBeCloseTo(lat, 9)
      expect(r.p[1]).toBeCloseTo(lon, 9)
    }
    expect((await first('EPSG:4547')).crs).toBe('<http://www.opengis.net/def/crs/EPSG/0/4547>')
  })
})

describe('datetime (Part 1 core)', () => {
  it('is accepted as an instant or interval and selects every feature (no collection is temporal); nonsense is 400', async () => {
    for (const dt of ['2024-01-01', '2024-01-01T00:00:00Z', '2020-01-01/..', '../2024-12-31T23:59:59+08:00']) {
      const res = await get(`/ogc/collections/parcels/items?datetime=${encodeURIComponent(dt)}`, surveyor)
      expect(res.statusCode, dt).toBe(200)
      expect(res.json().numberMatched).toBe(13)
    }
    expect((await get('/ogc/collections/parcels/items?datetime=yesterday', surveyor)).statusCode).toBe(400)
  })
})

describe('wrong parameters: 400 naming the parameter, nothing run', () => {
  it.each([
    ['crs=EPSG:3857', 'crs'],
    ['bbox-crs=http://www.opengis.net/def/crs/EPSG/0/2000&bbox=1,2,3,4', 'bbox-crs'],
    ['bbox=1,2,3', 'bbox'],
    ['bbox=3,2,1,4', 'bbox'],
    ['bbox=a,b,c,d', 'bbox'],
    ['bbox=-200,0,10,10', 'bbox'],
    ['limit=10001', 'limit'],
    ['limit=0', 'limit'],
    ['cursor=%%%', 'cursor'],
    ['cursor=YWJj', 'cursor'],
    ['cursor=MQ&offset=3', 'cursor'],
    ['filterr=x', 'filterr'],
  ])('%s', async (qs, field) => {
    const res = await get(`/ogc/collections/parcels/items?${qs}`, surveyor)
    expect(res.statusCode, res.body).toBe(400)
    expect(res.body).toContain(field)
  })
})
