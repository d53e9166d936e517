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

describe('below the detail zoom (layer detailMinzoom)', () => {
  const parcels = LAYERS.find((l) => l.id === 'parcels')!
  const overview = parcels.attributes.filter((a) => a.overview).map((a) => a.name)
  const parent = (levels: number) => ({ z: fx.tile.z - levels, x: fx.tile.x >> levels, y: fx.tile.y >> levels })

  it('the parcel tiles carry only the overview attributes, by both encoders, and every attribute from it on', async () => {
    expect(parcels.detailMinzoom).toBe(14)
    expect(fx.tile.z).toBeGreaterThanOrEqual(14)
    const below = parent(fx.tile.z - 13)
    for (const kind of ['postgis', 'geojson'] as const) {
      const enc = makeEncoder(kind, parcels, visibleAttributes(parcels, 'admin', SENSITIVE), new Set())
      const detailed = decodeTile(await enc.encode(db.db, fx.tile, null)).parcels!.features
      const coarse = decodeTile(await enc.encode(db.db, below, null)).parcels!.features
      // the supplied parcel's land user and figures at the detail zoom, not below it
      expect(detailed.some((f) => f.properties.land_user === fx.enterprise.name && typeof f.properties.tax_wan === 'number'), kind).toBe(true)
      expect(coarse.length, kind).toBeGreaterThanOrEqual(detailed.filter((f) => typeof f.properties.code === 'string').length - 1)
      for (const f of coarse) {
        for (const k of Object.keys(f.properties)) expect(overview, `${kind} ${k}`).toContain(k)
        expect(typeof f.properties.code, kind).toBe('string')
      }
    }
  })

  it('does not run the joins only the detail attributes read', async () => {
    const enc = makeEncoder('postgis', parcels, visibleAttributes(parcels, 'admin', SENSITIVE), new Set())
    // generic: the plan a pooled connection settles on, where $1 is known only when it runs
    const loopsOf = async (t: { z: number; x: number; y: number }, mode: 'force_custom_plan' | 'force_generic_plan') => {
      const plan = await db.db.tx(async (tx) => {
        await tx.none(`SET LOCAL plan_cache_mode = ${mode}`)
        await tx.none(`PREPARE tile_plan AS ${enc.sql}`)
        const [z, x, y, scope, tol] = enc.params(t, null)
        const r = await tx.one(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE tile_plan($1, $2, $3, $4, $5)`, [z, x, y, scope, tol])
        await tx.none('DEALLOCATE tile_plan')
        return JSON.stringify(r['QUERY PLAN'])
      })
      // every plan node that reads supply_contract or enterprise_year, and how often it ran
      const nodes = [...plan.matchAll(/"Relation Name":"(supply_contract|enterprise_year)"[^{}]*?"Actual Loops":(\d+)/g)]
      return nodes.map((m) => Number(m[2]))
    }
    for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
      const detailLoops = await loopsOf(fx.tile, mode)
      expect(detailLoops.length, mode).toBeGreaterThan(0)
      expect(Math.max(...detailLoops), mode).toBeGreaterThan(0)
      // below: planned away (custom plan) or never executed (generic plan)
      const coarseLoops = await loopsOf(parent(fx.tile.z - 13), mode)
      expect(coarseLoops.every((n) => n === 0), `${mode} ${coarseLoops}`).toBe(true)
      if (mode === 'force_generic_plan') expect(coarseLoops.length).toBeGreaterThan(0)
    }
  })
})
