/** GET /tiles/{layer}/{z}/{x}/{y}.mvt and /tiles/{layer}.json through the app: the attributes of
 * each role (decoded with @mapbox/vector-tile), the county scope, access, ETag and the cache
 * that drops only the tiles a change touched. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { ROLES, type Role } from '../../config'
import { gunzipSync } from 'node:zlib'
import { LAYERS, invalidateTiles, syncTilesWithEventLog, tilesCompressed, visibleAttributes } from '../../tiles'
import { decodeTile } from '../../tiles/decode'
import { boxPolygon, insertMapFixture, rect, type MapFixture } from '../../test/tiles-fixture'
import { lonToTileX, latToTileY } from '../../tiles/tile-math'
import { tileServices } from '../../tiles/service'

let t: TestApp
let fx: MapFixture
let started = 0
const auth: Partial<Record<Role, { authorization: string }>> = {}
const SENSITIVE: Role[] = ['admin', 'analyst']
/** A parcel far from the fixture (another zoom-14 tile), to show an edit leaves its tile cached. */
const FAR: [number, number] = [112.60, 34.70]
const farTile = { z: 14, x: Math.floor(lonToTileX(FAR[0], 14)), y: Math.floor(latToTileY(FAR[1], 14)) }

beforeAll(async () => {
  t = await createTestApp()
  await t.app.ready()
  started = Date.now()
  fx = await insertMapFixture(t.database.db)
  await t.database.db.none(`INSERT INTO parcel (code, county_code, cluster_code, stage, geom) VALUES ('LL-FAR', '410311', 'luolong', 'supplied', ST_GeomFromGeoJSON($1))`,
    [JSON.stringify({ ...boxPolygon(rect(FAR, 0, 0, 100, 100)), crs: { type: 'name', properties: { name: 'EPSG:4490' } } })])
  for (const role of ROLES) auth[role] = await t.loginAs(role, null)
  // 权利人: a person's name, for the roles that see the card (README "The owner")
  await t.database.db.none('UPDATE parcel SET owner_name = $2 WHERE code = $1', [fx.enterprise.parcel, '周权利'])
  // the watcher has read the fixture's own writes: what it drops from here on is the tests' doing
  await syncTilesWithEventLog()
})
afterAll(async () => t?.close())

const tileUrl = (layer: string, { z, x, y }: { z: number; x: number; y: number }) => `/tiles/${layer}/${z}/${x}/${y}.mvt`

async function getTile(layer: string, role: Role | null, tile = fx.tile, headers: Record<string, string> = {}) {
  const res = await t.app.inject({ url: tileUrl(layer, tile), headers: { ...(role ? auth[role] : {}), ...headers } })
  return { res, features: res.statusCode === 200 ? decodeTile(res.rawPayload)[layer]?.features ?? [] : [] }
}

describe('tile attributes by role', () => {
  for (const layer of LAYERS.filter((l) => l.id !== 'unsupplied')) {
    for (const role of [null, ...ROLES] as (Role | null)[]) {
      if (layer.access === 'signedIn' && role === null) continue
      it(`${layer.id} for ${role ?? 'the public'} carries only the attributes that role may see`, async () => {
        const { res, features } = await getTile(layer.id, role)
        expect(res.statusCode).toBe(200)
        expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile')
        expect(features.length).toBeGreaterThan(0)
        const allowed = new Set(visibleAttributes(layer, role, SENSITIVE).map((a) => a.name))
        const seen = new Set(features.flatMap((f) => Object.keys(f.properties)))
        for (const k of seen) expect(allowed.has(k), `${k} in ${layer.id} for ${role}`).toBe(true)
      })
    }
  }

  it('gives the security and audit roles what it gives the public, not what a signed-in land role sees (separated duties)', async () => {
    const duty: Record<string, Record<string, string>> = {}
    for (const role of ['security', 'audit'] as const) duty[role] = await t.loginAs(role, null)
    for (const layer of LAYERS) {
      const anyone = await t.app.inject({ url: tileUrl(layer.id, fx.tile) })
      for (const role of ['security', 'audit']) {
        const res = await t.app.inject({ url: tileUrl(layer.id, fx.tile), headers: duty[role] })
        expect(res.statusCode, `${layer.id} for ${role}`).toBe(anyone.statusCode)
        expect(res.rawPayload.equals(anyone.rawPayload), `${layer.id} for ${role}`).toBe(true)
      }
      if (layer.access === 'signedIn') expect(anyone.statusCode, layer.id).toBe(401)
    }
  })

  it('gives the tax roles the land price and the land user\'s tax, and the surveyor neither', async () => {
    const { parcel, tax_wan, price_wan, name } = fx.enterprise
    for (const role of ROLES) {
      const { features } = await getTile('parcels', role)
      const f = features.find((x) => x.properties.code === parcel)!
      const expected = ['code', 'county_code', 'cluster_code', 'land_use', 'stage', 'area_m2', 'area_mu', 'supply_method', 'land_user', 'owner_name']
      if (SENSITIVE.includes(role)) expected.push('price_wan', 'tax_year', 'tax_wan', 'output_wan')
      // class and class_detail stay null until the analysis engine's first full recompute
      expect(Object.keys(f.properties).sort(), role).toEqual(expected.sort())
      expect(f.properties.land_user).toBe(name)
      expect(f.properties.owner_name).toBe('周权利')
      if (SENSITIVE.includes(role)) {
        expect(f.properties.tax_wan).toBe(tax_wan)
        expect(f.properties.price_wan).toBe(price_wan)
        expect(f.properties.tax_year).toBe(2023)
      }
    }
    // no layer gives the owner to the public, whatever its access
    for (const layer of LAYERS) expect(visibleAttributes(layer, null, SENSITIVE).map((a) => a.name), layer.id).not.toContain('owner_name')
    const publicClusters = (await getTile('clusters', null)).features
    expect(publicClusters.every((f) => !('target_tax_per_mu' in f.properties))).toBe(true)
    const analystClusters = (await getTile('clusters', 'analyst')).features
    expect(analystClusters.find((f) => f.properties.code === 'luolong')!.properties.target_tax_per_mu).toBe(15)
  })

  it('puts the parcel area of PostGIS\'s spheroid column in the tile, to the centimetre', async () => {
    const { features } = await getTile('parcels', 'surveyor')
    const f = features.find((x) => x.properties.code === 'LL-001')!
    // 100 m × 80 m laid out in metres on the ellipsoid: 8000 m² to well within 1 m² (the
    // layout's metres-per-degree is exact to 1e-4), 12 mu.
    expect(f.properties.area_m2 as number).toBeCloseTo(8000, -0.5)
    expect(f.properties.area_mu as number).toBeCloseTo(12, 1)
  })
})

describe('county scope', () => {
  it('shows a county user only the parcels of its counties, in the tile itself', async () => {
    const jianxi = await t.loginAs('surveyor', ['410305'])
    const res = await t.app.inject({ url: tileUrl('parcels', fx.tile), headers: jianxi })
    const codes = decodeTile(res.rawPayload).parcels!.features.map((f) => f.properties.code).sort()
    expect(codes).toEqual(['GX-001', 'GX-002'])
    // and the alert of 洛龙区 is not in its alert tile at all
    const alerts = await t.app.inject({ url: tileUrl('alerts', fx.tile), headers: jianxi })
    expect(alerts.statusCode).toBe(204)
  })
})

describe('access and addresses', () => {
  it('refuses the land layers without a login and serves the public ones', async () => {
    expect((await getTile('parcels', null)).res.statusCode).toBe(401)
    expect((await getTile('clusters', null)).res.statusCode).toBe(200)
    expect((await getTile('plan_zones', null)).res.statusCode).toBe(200)
  })

  it('answers unknown layers, impossible tiles and zooms outside the layer clearly', async () => {
    const unknown = await t.app.inject({ url: '/tiles/roads/14/1/1.mvt' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().message).toMatch(/图层/)
    const bad = await t.app.inject({ url: '/tiles/clusters/3/8/1.mvt' })
    expect(bad.statusCode).toBe(400)
    const low = await t.app.inject({ url: '/tiles/parcels/11/1663/817.mvt', headers: auth.admin })
    expect(low.statusCode).toBe(404)
    expect(low.json().code).toBe('zoom_out_of_range')
  })

  it('answers an empty tile with 204', async () => {
    const res = await t.app.inject({ url: '/tiles/clusters/14/0/0.mvt' })
    expect(res.statusCode).toBe(204)
  })

  it('describes a layer as TileJSON with the fields of the caller\'s role', async () => {
    const surveyor = (await t.app.inject({ url: '/tiles/parcels.json', headers: auth.surveyor })).json()
    const analyst = (await t.app.inject({ url: '/tiles/parcels.json', headers: auth.analyst })).json()
    expect(surveyor.tilejson).toBe('3.0.0')
    expect(surveyor.tiles[0]).toMatch(/\/tiles\/parcels\/\{z\}\/\{x\}\/\{y\}\.mvt$/)
    expect(surveyor.minzoom).toBe(12)
    expect(Object.keys(surveyor.vector_layers[0].fields)).not.toContain('tax_wan')
    expect(Object.keys(analyst.vector_layers[0].fields)).toContain('tax_wan')
    // below zoom 14 a parcel tile carries only the overview fields, and TileJSON says which
    expect(analyst['x-onemap'].detailMinzoom).toBe(14)
    expect(analyst['x-onemap'].overviewFields).toEqual(['code', 'county_code', 'cluster_code', 'stage', 'area_mu', 'class', 'class_detail'])
    expect(analyst.vector_layers[0].description).toBe('宗地（14级以下的瓦片只含宗地编号、区县代码、集聚区、阶段、面积（亩）、分类、分类细项）')
    expect(surveyor.bounds[0]).toBeLessThan(fx.parcels[0]!.box[0])
    // value labels: the codes a tile carries, in the Chinese of server/labels/ (the web map's words)
    const labels = surveyor['x-onemap'].valueLabels
    expect(labels.stage.under_construction).toBe('在建')
    expect(labels.supply_method.grant).toBe('出让')
    expect(labels.class_detail.idle_2).toBe('闲置（满两年）')
    expect(Object.keys(labels).sort()).toEqual(['class', 'class_detail', 'stage', 'supply_method'])
    // every code found in the tiles' stage attribute has its label
    const stages: string[] = await t.database.db.map('SELECT DISTINCT stage FROM parcel', [], (r) => r.stage)
    for (const s of stages) expect(labels.stage[s], s).toMatch(/[\u4e00-\u9fff]/)
    const changes = (await t.app.inject({ url: '/tiles/changes.json', headers: auth.surveyor })).json()
    expect(changes['x-onemap'].valueLabels.change_type.earth_moving).toBe('推填土')
    const catalog = (await t.app.inject({ url: '/tiles', headers: auth.surveyor })).json()
    expect(catalog.encoder).toBe('postgis')
    expect(catalog.layers.map((l: { id: string }) => l.id)).toEqual(LAYERS.map((l) => l.id))
    const anonymous = (await t.app.inject({ url: '/tiles' })).json()
    expect(anonymous.layers.map((l: { id: string }) => l.id)).toEqual(['clusters', 'counties', 'plan_zones'])
  })
})

describe('caching', () => {
  it('sends an ETag, answers 304 to it, and marks the tile private for a signed-in caller', async () => {
    const first = (await getTile('batches', 'inspector')).res
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/)
    expect(first.headers['cache-control']).toBe('private, no-cache')
    expect(first.headers.vary).toMatch(/Authorization/)
    const again = (await getTile('batches', 'inspector', fx.tile, { 'if-none-match': first.headers.etag as string })).res
    expect(again.statusCode).toBe(304)
    expect(again.headers['x-tile-cache']).toBe('hit')
    expect((await getTile('clusters', null)).res.headers['cache-control']).toBe('public, no-cache')
  })

  it('serves a cached tile gzip-encoded to a client that accepts it, with its own ETag, and the same tile inside', async () => {
    invalidateTiles('parcels', null)
    const miss = (await getTile('parcels', 'analyst', fx.tile, { 'accept-encoding': 'gzip, deflate, br' })).res
    // the first request is not kept waiting for the compression: it gets the tile as encoded
    expect(miss.headers['x-tile-cache']).toBe('miss')
    expect(miss.headers['content-encoding']).toBeUndefined()
    expect(miss.rawPayload.length).toBeGreaterThan(256)
    // compressed when asked for again (most tiles are asked for once): the second request still
    // gets the tile as encoded, the next ones gzip
    const second = await t.app.inject({ url: tileUrl('parcels', fx.tile), headers: { ...auth.analyst, 'accept-encoding': 'gzip' } })
    expect(second.headers['x-tile-cache']).toBe('hit')
    await tilesCompressed()
    const hit = await t.app.inject({ url: tileUrl('parcels', fx.tile), headers: { ...auth.analyst, 'accept-encoding': 'gzip, deflate, br' } })
    expect(hit.headers['x-tile-cache']).toBe('hit')
    expect(hit.headers['content-encoding']).toBe('gzip')
    expect(hit.headers.vary).toBe('Authorization, Accept-Encoding')
    expect(hit.rawPayload.length).toBeLessThan(miss.rawPayload.length)
    expect(gunzipSync(hit.rawPayload).equals(miss.rawPayload)).toBe(true)
    expect(hit.headers.etag).not.toBe(miss.headers.etag)
    expect(hit.headers.etag).toMatch(/^"[\w-]+-gz"$/)
    // without Accept-Encoding, or refusing gzip, the same tile as it was encoded
    for (const ae of [undefined, 'identity', 'gzip;q=0, *', 'br']) {
      const plain = await t.app.inject({ url: tileUrl('parcels', fx.tile), headers: { ...auth.analyst, ...(ae ? { 'accept-encoding': ae } : {}) } })
      expect(plain.headers['content-encoding'], String(ae)).toBeUndefined()
      expect(plain.rawPayload.equals(miss.rawPayload), String(ae)).toBe(true)
      expect(plain.headers.etag).toBe(miss.headers.etag)
    }
    expect((await t.app.inject({ url: tileUrl('parcels', fx.tile), headers: { ...auth.analyst, 'accept-encoding': '*' } })).headers['content-encoding']).toBe('gzip')
    // either ETag is the same tile: 304 to both
    for (const etag of [hit.headers.etag, miss.headers.etag] as string[]) {
      const again = await t.app.inject({ url: tileUrl('parcels', fx.tile), headers: { ...auth.analyst, 'accept-encoding': 'gzip', 'if-none-match': etag } })
      expect(again.statusCode, etag).toBe(304)
    }
    // a surveyor's tile is another entry: its gzip body is not the analyst's (no tax inside)
    await getTile('parcels', 'surveyor')
    await getTile('parcels', 'surveyor')
    await tilesCompressed()
    const surveyor = await t.app.inject({ url: tileUrl('parcels', fx.tile), headers: { ...auth.surveyor, 'accept-encoding': 'gzip' } })
    expect(surveyor.headers['content-encoding']).toBe('gzip')
    const props = decodeTile(gunzipSync(surveyor.rawPayload)).parcels!.features.flatMap((f) => Object.keys(f.properties))
    expect(props).not.toContain('tax_wan')
    expect(props).toContain('code')
  })

  it('drops only the tiles an edit touched when the writer calls invalidateTiles', async () => {
    await getTile('parcels', 'admin')
    await getTile('parcels', 'admin', farTile)
    expect((await getTile('parcels', 'admin')).res.headers['x-tile-cache']).toBe('hit')
    expect((await getTile('parcels', 'admin', farTile)).res.headers['x-tile-cache']).toBe('hit')
    const before = (await getTile('parcels', 'admin')).features.find((f) => f.properties.code === 'LL-002')!
    const edited: [number, number, number, number] = [fx.parcels[1]!.box[0], fx.parcels[1]!.box[1], fx.parcels[1]!.box[2], fx.parcels[1]!.box[3]]
    // invalidateTiles drops the tiles under the box, and no other
    expect(invalidateTiles('parcels', edited)).toBeGreaterThan(0)
    expect((await getTile('parcels', 'admin', farTile)).res.headers['x-tile-cache']).toBe('hit')
    expect((await getTile('parcels', 'admin')).res.headers['x-tile-cache']).toBe('miss')
    expect((await getTile('parcels', 'admin')).res.headers['x-tile-cache']).toBe('hit')

    const box = rect(fx.parcels[1]!.box.slice(0, 2) as [number, number], 0, 0, 50, 80)
    await t.database.db.none(`UPDATE parcel SET geom = ST_GeomFromGeoJSON($1), stage = 'producing' WHERE code = 'LL-002'`,
      [JSON.stringify({ ...boxPolygon(box), crs: { type: 'name', properties: { name: 'EPSG:4490' } } })])
    // the writer's call; the event log's notification (server/signals.ts) may have dropped the tile
    // first, so its count is not this call's to assert (it was asserted above)
    invalidateTiles('parcels', edited)

    const after = await getTile('parcels', 'admin')
    expect(after.res.headers['x-tile-cache']).toBe('miss')
    const f = after.features.find((x) => x.properties.code === 'LL-002')!
    expect(f.properties.stage).toBe('producing')
    expect(f.properties.area_m2 as number).toBeCloseTo((before.properties.area_m2 as number) / 2, -0.5)
    expect((await getTile('parcels', 'admin', farTile)).res.headers['x-tile-cache']).toBe('hit')
  })

  it('notices a write whose writer did not call invalidateTiles, from the event log', async () => {
    await getTile('parcels', 'analyst')
    await getTile('parcels', 'analyst', farTile)
    expect((await getTile('parcels', 'analyst')).res.headers['x-tile-cache']).toBe('hit')
    await t.database.db.none(`UPDATE enterprise_year SET tax_paid_wan = 400 WHERE credit_code = $1 AND year = 2023`, [fx.enterprise.credit_code])
    await vi.waitFor(async () => {
      const r = await getTile('parcels', 'analyst')
      expect(r.res.headers['x-tile-cache']).toBe('miss')
      expect(r.features.find((f) => f.properties.code === fx.enterprise.parcel)!.properties.tax_wan).toBe(400)
    }, { timeout: 5000, interval: 200 })
    expect((await getTile('parcels', 'analyst', farTile)).res.headers['x-tile-cache']).toBe('hit')
  })

  it('drops a cluster\'s tiles when its boundary changes (the log keeps the boundary as EWKB, not GeoJSON)', async () => {
    await getTile('clusters', null)
    expect((await getTile('clusters', null)).res.headers['x-tile-cache']).toBe('hit')
    await t.database.db.none(`UPDATE cluster SET boundary = ST_Multi(ST_Buffer(boundary, 0.0005, 'join=mitre')) WHERE code = 'gaoxin'`)
    // the event log's trigger notifies the app (server/signals.ts), which may have read the log
    // already; either way the tiles were dropped by reading it
    await syncTilesWithEventLog()
    expect((await getTile('clusters', null)).res.headers['x-tile-cache']).toBe('miss')
  })

  it('encodes at most ONEMAP_TILE_QUERIES uncached overview tiles at once (by default the cores; server/tiles/gate.test.ts)', () => {
    const [service] = tileServices()
    expect(t.app.config.tileQueries).toBeGreaterThan(0)
    expect(service!.gate?.limit).toBe(t.app.config.tileQueries)
  })

  it('reads the log on its notification only: with the listener up, the watcher never polls it', async () => {
    const [service] = tileServices()
    expect(t.app.signals!.stats.listening).toBe(true)
    // two of the watcher's ticks (1 s) at least since the app started, with writes among them
    const since = Date.now() - started
    if (since < 2_500) await new Promise((r) => setTimeout(r, 2_500 - since))
    expect(service!.polls).toBe(0)
  })

  it('polls the log while the listener is down, and still drops the tiles a write touched', async () => {
    const [service] = tileServices()
    // as if its connection were lost for good: no notification comes any more
    await t.app.signals!.stop()
    expect(t.app.signals!.stats.listening).toBe(false)
    await getTile('parcels', 'analyst')
    expect((await getTile('parcels', 'analyst')).res.headers['x-tile-cache']).toBe('hit')
    await t.database.db.none(`UPDATE enterprise_year SET tax_paid_wan = 410 WHERE credit_code = $1 AND year = 2023`, [fx.enterprise.credit_code])
    await vi.waitFor(async () => {
      const r = await getTile('parcels', 'analyst')
      expect(r.res.headers['x-tile-cache']).toBe('miss')
      expect(r.features.find((f) => f.properties.code === fx.enterprise.parcel)!.properties.tax_wan).toBe(410)
    }, { timeout: 5000, interval: 200 })
    expect(service!.polls).toBeGreaterThan(0)
  })
})
