/** Tile arithmetic against values worked by hand, and the cache's invalidation by tile coverage. */
import { describe, expect, it } from 'vitest'
import { TileCache, type CachedTile } from './cache'
import { MARGIN, latToTileY, lonToTileX, tileBounds, tileRange } from './tile-math'

describe('tile arithmetic', () => {
  it('matches the Web-Mercator tiles worked by hand', () => {
    // z1: lon 0 / lat 0 is the corner of the four tiles
    expect(lonToTileX(0, 1)).toBe(1)
    expect(latToTileY(0, 1)).toBeCloseTo(1, 12)
    // 洛阳 (112.45 E, 34.62 N) at z14: x = (292.45 / 360) · 16384 = 13309.6…;
    // y = (1 − ln(tan φ + sec φ)/π)/2 · 16384 with φ = 34.62° → 6540.9…
    expect(Math.floor(lonToTileX(112.45, 14))).toBe(13309)
    const phi = (34.62 * Math.PI) / 180
    expect(latToTileY(34.62, 14)).toBeCloseTo(((1 - Math.asinh(Math.tan(phi)) / Math.PI) / 2) * 16384, 9)
    const [w, s, e, n] = tileBounds({ z: 14, x: 13309, y: 6540 })
    expect(e - w).toBeCloseTo(360 / 16384, 12)
    expect(w).toBeLessThan(112.45)
    expect(e).toBeGreaterThan(112.45)
    expect(s).toBeLessThan(n)
  })

  it('includes the neighbour whose buffer a change near the edge falls in', () => {
    const [w, s, e, n] = tileBounds({ z: 14, x: 100, y: 200 })
    const width = e - w
    // a point just west of the tile's east edge, inside the east neighbour's buffer
    const near = e - width * (MARGIN / 2)
    expect(tileRange([near, (s + n) / 2, near, (s + n) / 2], 14)).toEqual({ x0: 100, x1: 101, y0: 200, y1: 200 })
    // the middle of the tile touches only the tile itself
    const mid = (w + e) / 2
    expect(tileRange([mid, (s + n) / 2, mid, (s + n) / 2], 14)).toEqual({ x0: 100, x1: 100, y0: 200, y1: 200 })
  })
})

function tile(layer: string, z: number, x: number, y: number, size = 100): CachedTile {
  return { layer, z, x, y, body: Buffer.alloc(size), etag: `"${z}-${x}-${y}"` }
}

describe('the tile cache', () => {
  it('drops, at every zoom, only the tiles whose buffered envelope meets the changed bbox', () => {
    const c = new TileCache(10 * 1024 * 1024)
    const z14 = { x: Math.floor(lonToTileX(112.45, 14)), y: Math.floor(latToTileY(34.62, 14)) }
    const keys = {
      here14: TileCache.key('parcels', 14, z14.x, z14.y, 'v0:*'),
      hereOtherRole: TileCache.key('parcels', 14, z14.x, z14.y, 'v1:410311'),
      far14: TileCache.key('parcels', 14, z14.x + 5, z14.y, 'v0:*'),
      parent12: TileCache.key('parcels', 12, z14.x >> 2, z14.y >> 2, 'v0:*'),
      batches: TileCache.key('batches', 14, z14.x, z14.y, 'v0:*'),
    }
    c.set(keys.here14, tile('parcels', 14, z14.x, z14.y), 0)
    c.set(keys.hereOtherRole, tile('parcels', 14, z14.x, z14.y), 0)
    c.set(keys.far14, tile('parcels', 14, z14.x + 5, z14.y), 0)
    c.set(keys.parent12, tile('parcels', 12, z14.x >> 2, z14.y >> 2), 0)
    c.set(keys.batches, tile('batches', 14, z14.x, z14.y), 0)
    const [w, s, e, n] = tileBounds({ z: 14, ...z14 })
    const cx = (w + e) / 2, cy = (s + n) / 2
    expect(c.invalidate('parcels', [cx - 1e-4, cy - 1e-4, cx + 1e-4, cy + 1e-4])).toBe(3)
    expect(c.has(keys.here14)).toBe(false)
    expect(c.has(keys.hereOtherRole)).toBe(false)
    expect(c.has(keys.parent12)).toBe(false)
    expect(c.has(keys.far14)).toBe(true)
    expect(c.has(keys.batches)).toBe(true)
    expect(c.invalidate('parcels', null)).toBe(1)
    expect(c.has(keys.far14)).toBe(false)
  })

  it('does not store a tile encoded across an invalidation of its layer', () => {
    const c = new TileCache(1024 * 1024)
    const epoch = c.epoch('parcels')
    c.invalidate('parcels', [0, 0, 1, 1])
    c.set('k', tile('parcels', 1, 1, 0), epoch)
    expect(c.has('k')).toBe(false)
    c.set('k', tile('parcels', 1, 1, 0), c.epoch('parcels'))
    expect(c.has('k')).toBe(true)
  })

  it('evicts the least recently used tiles beyond its byte budget', () => {
    const c = new TileCache(3 * 1200)
    for (const i of [0, 1, 2]) c.set(`k${i}`, tile('parcels', 5, i, 0, 1000), 0)
    c.get('k0') // k1 is now the least recently used
    c.set('k3', tile('parcels', 5, 3, 0, 1000), 0)
    expect([c.has('k0'), c.has('k1'), c.has('k2'), c.has('k3')]).toEqual([true, false, true, true])
    expect(c.stats.bytes).toBeLessThanOrEqual(3 * 1200)
  })
})

describe('compressed bodies in the cache', () => {
  it('counts a gzip body in the byte budget, attaches it only to the entry still cached, and evicts by the total', () => {
    const cache = new TileCache(1000)
    const a = tile('parcels', 14, 1, 1, 300)
    cache.set('a', a, cache.epoch('parcels'))
    expect(cache.stats.bytes).toBe(300 + 200)
    cache.attachGzip('a', a, Buffer.alloc(100))
    expect(cache.stats.bytes).toBe(300 + 100 + 200)
    // a second attach (a racing compression) changes nothing
    cache.attachGzip('a', a, Buffer.alloc(50))
    expect(a.gzip!.length).toBe(100)
    // an entry replaced meanwhile does not take the old one's body
    const b = tile('parcels', 14, 2, 2, 200)
    cache.set('b', b, cache.epoch('parcels'))
    const stale = tile('parcels', 14, 2, 2, 200)
    cache.attachGzip('b', stale, Buffer.alloc(10))
    expect(b.gzip).toBeUndefined()
    expect(cache.stats.bytes).toBe(600 + 400)
    // the gzip body pushes the total over the budget: the least recently used goes
    cache.attachGzip('b', b, Buffer.alloc(150))
    expect(cache.has('a')).toBe(false)
    expect(cache.has('b')).toBe(true)
    expect(cache.stats.bytes).toBe(200 + 150 + 200)
    cache.invalidate('parcels', null)
    expect(cache.stats.bytes).toBe(0)
  })
})
