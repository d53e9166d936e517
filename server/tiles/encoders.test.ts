/** The two encoders behind one interface: ST_AsMVT (PostgreSQL 15 / PostGIS 3.3 here) and
 * geojson-vt + vt-pbf over the same query's GeoJSON must give the same features for the same tile,
 * and both must put each vertex where Web-Mercator arithmetic done here in JS says it belongs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { ROLES, type Role } from '../config'
import { LAYERS, visibleAttributes } from './layers'
import { makeEncoder, probeEncoder, type EncoderKind } from './encoders'
import { decodeTile, ringArea, ringBBox, type DecodedFeature } from './decode'
import { insertMapFixture, type MapFixture } from '../test/tiles-fixture'
import { BUFFER, EXTENT, latToTileY, lonToTileX, tileBounds } from './tile-math'

const SENSITIVE: Role[] = ['admin', 'analyst']
let db: TestDatabase
let fx: MapFixture

beforeAll(async () => {
  db = await createTestDatabase()
  fx = await insertMapFixture(db.db)
})
afterAll(async () => db?.drop())

async function encodeWith(kind: EncoderKind, layerId: string, role: Role | null, scope: string[] | null = null) {
  const layer = LAYERS.find((l) => l.id === layerId)!
  const enc = makeEncoder(kind, layer, visibleAttributes(layer, role, SENSITIVE), new Set())
  const body = await enc.encode(db.db, fx.tile, layer.countyColumn ? scope : null)
  return decodeTile(body)[layerId]?.features ?? []
}

const keyOf = (f: DecodedFeature) => String(f.id ?? f.properties.code)

/** Same features: same ids, the same properties exactly, the same type, and geometry that agrees
 * to the rounding of either encoder (bbox within 1 unit, area within 0.5% + 40 units²). */
function expectSameFeatures(a: DecodedFeature[], b: DecodedFeature[]) {
  expect(a.map(keyOf).sort()).toEqual(b.map(keyOf).sort())
  const byKey = new Map(b.map((f) => [keyOf(f), f]))
  for (const fa of a) {
    const fb = byKey.get(keyOf(fa))!
    expect(fa.properties, keyOf(fa)).toEqual(fb.properties)
    expect(fa.type).toBe(fb.type)
    const [ba, bb] = [ringBBox(fa.rings), ringBBox(fb.rings)]
    for (let i = 0; i < 4; i++) expect(Math.abs(ba[i]! - bb[i]!), `${keyOf(fa)} bbox[${i}]`).toBeLessThanOrEqual(1)
    const [aa, ab] = [Math.abs(ringArea(fa.rings)), Math.abs(ringArea(fb.rings))]
    expect(Math.abs(aa - ab), `${keyOf(fa)} area`).toBeLessThanOrEqual(0.005 * aa + 40)
  }
}

describe('encoder probe', () => {
  it('finds ST_AsMVT on PostGIS 3.3 built with protobuf', async () => {
    expect(await probeEncoder(db.db)).toBe('postgis')
  })
})

describe('the two encoders', () => {
  for (const layer of LAYERS.filter((l) => !l.requires)) {
    for (const role of [null, ...ROLES] as (Role | null)[]) {
      if (layer.access === 'signedIn' && role === null) continue
      it(`give the same ${layer.id} features for ${role ?? 'the public'}`, async () => {
        const a = await encodeWith('postgis', layer.id, role)
        const b = await encodeWith('geojson', layer.id, role)
        expect(a.length).toBeGreaterThan(0)
        expectSameFeatures(a, b)
      })
    }
  }

  it('apply the county scope in SQL the same way', async () => {
    for (const kind of ['postgis', 'geojson'] as const) {
      const codes = (await encodeWith(kind, 'parcels', 'surveyor', ['410305'])).map((f) => f.properties.code).sort()
      expect(codes, kind).toEqual(['GX-001', 'GX-002'])
    }
  })

  it('put every vertex of a parcel where Web-Mercator arithmetic says, and clip at the buffer', async () => {
    const { z, x, y } = fx.tile
    const toTile = (lon: number, lat: number) => ({ x: (lonToTileX(lon, z) - x) * EXTENT, y: (latToTileY(lat, z) - y) * EXTENT })
    const [w, s, e, n] = tileBounds(fx.tile)
    const inside = fx.parcels.filter((p) => p.box[0] > w && p.box[2] < e && p.box[1] > s && p.box[3] < n)
    expect(inside.length).toBeGreaterThan(5)
    for (const kind of ['postgis', 'geojson'] as const) {
      const features = await encodeWith(kind, 'parcels', 'admin')
      const byCode = new Map(features.map((f) => [f.properties.code, f]))
      for (const p of inside) {
        const f = byCode.get(p.code)!
        expect(f, `${kind} ${p.code}`).toBeDefined()
        const sw = toTile(p.box[0], p.box[1])
        const ne = toTile(p.box[2], p.box[3])
        // integer tile units: each encoder rounds, so one unit of tolerance
        const expected = [sw.x, ne.y, ne.x, sw.y]
        ringBBox(f.rings).forEach((v, i) => expect(Math.abs(v - expected[i]!), `${kind} ${p.code} bbox[${i}]`).toBeLessThanOrEqual(1))
      }
      // The parcel across the east edge is cut at the edge plus the buffer.
      const edge = byCode.get('LL-EDGE')!
      const west = toTile(fx.parcels.find((p) => p.code === 'LL-EDGE')!.box[0], n).x
      expect(Math.abs(ringBBox(edge.rings)[2] - (EXTENT + BUFFER)), kind).toBeLessThanOrEqual(1)
      expect(Math.abs(ringBBox(edge.rings)[0] - west), kind).toBeLessThanOrEqual(1)
    }
  })
})
