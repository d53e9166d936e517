/** On the embedded database (PGlite: PostgreSQL 18, PostGIS 3.6 without protobuf) the probe picks
 * the GeoJSON encoder, and its tiles carry the same features as ST_AsMVT's on PostgreSQL 15 /
 * PostGIS 3.3 for the same data. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../db/connect'
import type { TestDatabase } from '../test/db'
import { openEmbeddedPair, type EmbeddedPair } from '../test/embedded-pair'
import { ROLES, type Role } from '../config'
import { LAYERS } from './layers'
import { TileService } from './service'
import { decodeTile, ringArea, ringBBox, type DecodedFeature } from './decode'
import { insertMapFixture, type MapFixture } from '../test/tiles-fixture'

const SENSITIVE: Role[] = ['admin', 'analyst']
let pair: EmbeddedPair
let embedded: Database
let server: TestDatabase
let fxEmbedded: MapFixture
let embeddedTiles: TileService
let serverTiles: TileService

beforeAll(async () => {
  pair = await openEmbeddedPair('onemap-pglite-')
  ;({ embedded, server } = pair)
  fxEmbedded = await insertMapFixture(embedded.db)
  await insertMapFixture(server.db)
  embeddedTiles = await TileService.create(embedded.db, { sensitiveRoles: SENSITIVE, cacheBytes: 0 })
  serverTiles = await TileService.create(server.db, { sensitiveRoles: SENSITIVE, cacheBytes: 0 })
}, 120_000)

afterAll(async () => {
  embeddedTiles?.close()
  serverTiles?.close()
  await pair?.close()
})

const keyOf = (f: DecodedFeature) => String(f.id ?? f.properties.code)

describe('the embedded database', () => {
  it('is PostGIS 3.6 without ST_AsMVT, so the GeoJSON encoder is chosen', () => {
    expect(embedded.mode).toBe('embedded')
    expect(embedded.postgis).toMatch(/^3\.6/)
    expect(embeddedTiles.encoderKind).toBe('geojson')
    expect(serverTiles.encoderKind).toBe('postgis')
  })

  it('serves the same features as ST_AsMVT on the server, for every layer and role', async () => {
    let compared = 0
    for (const layer of LAYERS) {
      if (!embeddedTiles.isAvailable(layer) || !serverTiles.isAvailable(layer)) continue
      for (const role of [null, ...ROLES] as (Role | null)[]) {
        if (layer.access === 'signedIn' && role === null) continue
        const caller = { role, scope: null, user: null }
        const [a, b] = await Promise.all([
          embeddedTiles.tile(layer, fxEmbedded.tile, caller),
          serverTiles.tile(layer, fxEmbedded.tile, caller),
        ])
        const fa = decodeTile(a.body)[layer.id]?.features ?? []
        const fb = decodeTile(b.body)[layer.id]?.features ?? []
        expect(fa.map(keyOf).sort(), `${layer.id} ${role}`).toEqual(fb.map(keyOf).sort())
        const byKey = new Map(fb.map((f) => [keyOf(f), f]))
        for (const f of fa) {
          const g = byKey.get(keyOf(f))!
          expect(f.properties, `${layer.id} ${keyOf(f)}`).toEqual(g.properties)
          const [ba, bb] = [ringBBox(f.rings), ringBBox(g.rings)]
          ba.forEach((v, i) => expect(Math.abs(v - bb[i]!), `${layer.id} ${keyOf(f)} bbox`).toBeLessThanOrEqual(1))
          const [aa, ab] = [Math.abs(ringArea(f.rings)), Math.abs(ringArea(g.rings))]
          expect(Math.abs(aa - ab)).toBeLessThanOrEqual(0.005 * aa + 40)
          compared++
        }
      }
    }
    // clusters, plan zones, parcels, batches, changes, alerts: all with features in the tile
    expect(compared).toBeGreaterThan(60)
  })

  it('reads the event log for changed land with the same SQL (PostgreSQL 18, PostGIS 3.6)', async () => {
    await embedded.db.none(`UPDATE parcel SET stage = 'producing' WHERE code = 'LL-003'`)
    await embedded.db.none(`UPDATE cluster SET boundary = ST_Multi(ST_Buffer(boundary, 0.0005, 'join=mitre')) WHERE code = 'gaoxin'`)
    // the cache is off here: nothing to drop, but every event must have been read without error
    await expect(embeddedTiles.syncEventLog()).resolves.toBe(0)
  })
})
