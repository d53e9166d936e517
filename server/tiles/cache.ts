/** The in-process tile cache: least-recently-used within a byte budget, and invalidated by tile
 * coverage: a change drops only the cached tiles (of every zoom, role and scope) whose buffered
 * envelope meets the changed geometry's bbox, never the whole layer. */
import { tileRange, type BBox } from './tile-math'

export interface CachedTile {
  layer: string
  z: number
  x: number
  y: number
  body: Buffer
  etag: string
  /** The body gzip-compressed, once the background compression is done; null when gzip does not
   * make it smaller (tiny and empty tiles). */
  gzip?: Buffer | null
}

export interface CacheStats {
  entries: number
  bytes: number
  hits: number
  misses: number
  dropped: number
}

/** Per-entry bookkeeping beyond the body, so that small (empty) tiles still count. */
const ENTRY_OVERHEAD = 200

export class TileCache {
  /** Map order is the LRU order: the first key is the least recently used. */
  private entries = new Map<string, CachedTile>()
  private byLayer = new Map<string, Set<string>>()
  /** Bumped on every invalidation of a layer: a tile encoded across one is not stored. */
  private epochs = new Map<string, number>()
  private bytes = 0
  readonly stats: CacheStats = { entries: 0, bytes: 0, hits: 0, misses: 0, dropped: 0 }

  constructor(readonly maxBytes: number) {}

  static key(layer: string, z: number, x: number, y: number, variant: string): string {
    return `${layer}/${z}/${x}/${y}/${variant}`
  }

  get(key: string): CachedTile | undefined {
    const e = this.entries.get(key)
    if (!e) {
      this.stats.misses++
      return undefined
    }
    this.entries.delete(key)
    this.entries.set(key, e)
    this.stats.hits++
    return e
  }

  epoch(layer: string): number {
    return this.epochs.get(layer) ?? 0
  }

  /** Stores a tile unless its layer was invalidated since `epoch` (then its data may be stale). */
  set(key: string, tile: CachedTile, epoch: number): void {
    if (this.epoch(tile.layer) !== epoch || this.maxBytes <= 0) return
    this.delete(key)
    this.entries.set(key, tile)
    let keys = this.byLayer.get(tile.layer)
    if (!keys) this.byLayer.set(tile.layer, (keys = new Set()))
    keys.add(key)
    this.bytes += tile.body.length + ENTRY_OVERHEAD
    this.evictOverBudget()
  }

  /** Adds the compressed body to a cached tile (if it is still the one cached) and counts it. */
  attachGzip(key: string, tile: CachedTile, gzip: Buffer | null): void {
    if (this.entries.get(key) !== tile || tile.gzip !== undefined) return
    tile.gzip = gzip
    this.bytes += gzip?.length ?? 0
    this.evictOverBudget()
  }

  /** Drops the least recently used entries until the bytes fit the budget again. */
  private evictOverBudget(): void {
    while (this.bytes > this.maxBytes && this.entries.size > 0) {
      this.delete(this.entries.keys().next().value!)
    }
    this.syncStats()
  }

  private delete(key: string): boolean {
    const e = this.entries.get(key)
    if (!e) return false
    this.entries.delete(key)
    this.byLayer.get(e.layer)?.delete(key)
    this.bytes -= e.body.length + (e.gzip?.length ?? 0) + ENTRY_OVERHEAD
    return true
  }

  /** Drops the cached tiles of a layer that a change inside `bbox` (lon/lat) can have altered;
   * null drops the whole layer. Returns how many were dropped. */
  invalidate(layer: string, bbox: BBox | null): number {
    this.epochs.set(layer, this.epoch(layer) + 1)
    const keys = this.byLayer.get(layer)
    if (!keys || keys.size === 0) return 0
    let dropped = 0
    const ranges = new Map<number, ReturnType<typeof tileRange>>()
    for (const key of [...keys]) {
      const e = this.entries.get(key)!
      if (bbox) {
        let r = ranges.get(e.z)
        if (!r) ranges.set(e.z, (r = tileRange(bbox, e.z)))
        if (e.x < r.x0 || e.x > r.x1 || e.y < r.y0 || e.y > r.y1) continue
      }
      this.delete(key)
      dropped++
    }
    this.stats.dropped += dropped
    this.syncStats()
    return dropped
  }

  clear(): void {
    for (const layer of this.byLayer.keys()) this.epochs.set(layer, this.epoch(layer) + 1)
    this.entries.clear()
    this.byLayer.clear()
    this.bytes = 0
    this.syncStats()
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  private syncStats(): void {
    this.stats.entries = this.entries.size
    this.stats.bytes = this.bytes
  }
}
