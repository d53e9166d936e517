/** The tile service of one app: picks the encoder once at start, builds one encoder per distinct
 * attribute set of each layer, serves tiles through the cache, and drops cached tiles when the
 * land under them changes (writers call invalidateTiles; a watcher of the event log catches the
 * rest). */
import crypto from 'node:crypto'
import zlib from 'node:zlib'
import type { IDatabase } from 'pg-promise'
import { ROLES, type Role } from '../config'
import { sqlLoader } from '../db/sql'
import type { Viewer } from '../db/viewer'
import { TileCache, type CachedTile } from './cache'
import { Gate } from './gate'
import { makeEncoder, probeEncoder, type EncoderKind, type TileEncoder } from './encoders'
import { LAYERS, findLayer, layersOfTable, visibleAttributes, type LayerDef } from './layers'
import { OPTIONAL_RELATIONS } from './analysis-sources'
import type { BBox, TileAddress } from './tile-math'
import { publish, subscribe } from '../events'

const sql = sqlLoader(import.meta.url)
const CHANGED_BBOXES = sql('changed-bboxes.sql')

export interface TileServiceOptions {
  sensitiveRoles: readonly Role[]
  /** Force an encoder (tests, benchmark); by default the database is probed once. */
  encoder?: EncoderKind
  /** Byte budget of the cache; 0 turns caching off. */
  cacheBytes?: number
  /** How often the event log is read for changes, ms; 0: only on syncEventLog(). */
  watchMs?: number
  /** Whether the watcher reads the log at its tick (absent: always): on a server, only while
   * the LISTEN connection that brings the log's own notifications is down. */
  pollWhile?: () => boolean
  /** Read replicas (server/db/replicas.ts): the database to encode a tile from, one that has
   * replayed past `fence` (an LSN of the primary). Absent: the primary. */
  readDb?: (fence: string | null) => Promise<IDatabase<unknown>>
  /** At most this many uncached overview tiles (below their layer's detailMinzoom: the parcels at
   * zoom 12–13, thousands of parcels a tile) encoded at once, the rest waiting their turn in the
   * order asked (absent or 0: no limit). Detail tiles are never held back. */
  maxQueries?: number
}

/** Who asks for a tile: the role picks the attributes, the county scope the features (anonymous
 * callers read the public layers of the whole city). */
export type Caller = Pick<Viewer, 'role' | 'scope' | 'user'>

export interface TileResult {
  body: Buffer
  etag: string
  /** The same tile gzip-compressed, when the cache has it (compressed in the background when the
   * tile is asked for again, so that a miss is not slowed down); its ETag is `gzipEtag`. */
  gzip: Buffer | null
  gzipEtag: string
  cache: 'hit' | 'miss'
}

interface Variant {
  key: string
  encoder: TileEncoder
}

export const DEFAULT_CACHE_BYTES = 128 * 1024 * 1024
/** How far back the watcher looks for writes that committed after later ids were read. */
const SEEN_WINDOW = 1000

/** Services of the apps running in this process, for invalidateTiles(). */
const live = new Set<TileService>()

export class TileService {
  readonly cache: TileCache
  /** Variants by layer id and role ('' for not signed in). */
  private variants = new Map<string, Map<string, Variant>>()
  private pending = new Map<string, Promise<CachedTile>>()
  private lastEventId = 0
  /** Ids above lastEventId - SEEN_WINDOW already handled: a transaction that commits late may have
   * taken a smaller id than one already read. */
  private seen = new Set<number>()
  private timer: NodeJS.Timeout | null = null
  private syncing: Promise<number> | null = null
  /** Keys of the tiles being compressed now. */
  private compressing = new Set<string>()
  private compressed: (() => void)[] = []
  private unsubscribe: (() => void) | null = null
  /** Reads of the event log by the watcher's timer (not by a notification or a writer). */
  polls = 0
  /** With read replicas: the primary's WAL position read after the last drop of cached tiles. A
   * tile encoded after a drop is cached, so it must come from a standby that has replayed every
   * write the drop was for; null: to be read at the next miss. */
  private fence: Promise<string> | null = null
  /** The limit of opts.maxQueries on the encodings of uncached overview tiles; null: none. */
  readonly gate: Gate | null

  private constructor(
    private db: IDatabase<unknown>,
    readonly encoderKind: EncoderKind,
    /** Optional relations (the analysis engine's) that exist in this database. */
    readonly available: ReadonlySet<string>,
    private opts: TileServiceOptions,
  ) {
    this.cache = new TileCache(opts.cacheBytes ?? DEFAULT_CACHE_BYTES)
    this.gate = opts.maxQueries ? new Gate(opts.maxQueries) : null
    for (const layer of LAYERS) {
      if (!this.isAvailable(layer)) continue
      const bySignature = new Map<string, Variant>()
      const byRole = new Map<string, Variant>()
      for (const role of [null, ...ROLES]) {
        const attrs = visibleAttributes(layer, role, opts.sensitiveRoles)
        const signature = attrs.map((a) => a.name).join(',')
        let v = bySignature.get(signature)
        if (!v) {
          v = { key: `v${bySignature.size}`, encoder: makeEncoder(encoderKind, layer, attrs, available) }
          bySignature.set(signature, v)
        }
        byRole.set(role ?? '', v)
      }
      this.variants.set(layer.id, byRole)
    }
  }

  static async create(db: IDatabase<unknown>, opts: TileServiceOptions): Promise<TileService> {
    const encoder = opts.encoder ?? (await probeEncoder(db))
    const wanted = [...new Set([...Object.values(OPTIONAL_RELATIONS), ...LAYERS.flatMap((l) => (l.requires ? [l.requires] : []))])]
    const present: { name: string }[] = await db.any('SELECT n AS name FROM unnest($1::text[]) n WHERE to_regclass(n) IS NOT NULL', [wanted])
    const service = new TileService(db, encoder, new Set(present.map((r) => r.name)), opts)
    // Writes before the start are no concern of an empty cache: mark the recent ones seen.
    service.lastEventId = await db.one('SELECT coalesce(max(id), 0)::float8 AS id FROM event_log', [], (r: { id: number }) => r.id)
    const recent: { id: number }[] = await db.any('SELECT id::float8 AS id FROM event_log WHERE id > $1', [service.lastEventId - SEEN_WINDOW])
    for (const r of recent) service.seen.add(r.id)
    if (opts.watchMs) {
      service.timer = setInterval(() => {
        if (opts.pollWhile && !opts.pollWhile()) return
        service.polls++
        service.syncEventLog().catch(() => undefined)
      }, opts.watchMs)
      service.timer.unref()
    }
    live.add(service)
    // what committed writes changed reaches the cache through the one channel (server/events.ts)
    service.unsubscribe = subscribe((m) => {
      if (m.kind === 'land-changed') return service.invalidate(m.target, m.bbox)
      // messages of other processes may have been missed (server/signals.ts): start afresh
      if (m.kind === 'resync') service.clearCache()
      // land written in any process (server/signals.ts): read the log now, not at the next tick
      if (m.kind === 'event-logged') service.syncEventLog().catch(() => undefined)
      return 0
    })
    return service
  }

  isAvailable(layer: LayerDef): boolean {
    return !layer.requires || this.available.has(layer.requires)
  }

  encoderFor(layerId: string, role: Role | null): TileEncoder | undefined {
    return this.variants.get(layerId)?.get(role ?? '')?.encoder
  }

  /** A tile for a caller who may read the layer (the route checks access). */
  async tile(layer: LayerDef, t: TileAddress, caller: Caller): Promise<TileResult> {
    const variant = this.variants.get(layer.id)!.get(caller.role ?? '')!
    const scope = layer.countyColumn && caller.user ? caller.scope : null
    const scopeKey = scope === null ? '*' : [...scope].sort().join('+')
    const key = TileCache.key(layer.id, t.z, t.x, t.y, `${variant.key}:${scopeKey}`)
    const hit = this.cache.get(key)
    if (hit) {
      // Compressed on its second request: most tiles are asked for once (a pan), and a miss is
      // not to share the CPU with a compression.
      if (hit.gzip === undefined && !this.compressing.has(key)) this.compress(key, hit)
      return { body: hit.body, etag: hit.etag, gzip: hit.gzip ?? null, gzipEtag: gzipEtagOf(hit.etag), cache: 'hit' }
    }
    let job = this.pending.get(key)
    if (!job) {
      const epoch = this.cache.epoch(layer.id)
      const encode = () => this.readDb().then((db) => variant.encoder.encode(db, t, scope))
      // The overview tiles of a view, each tens of milliseconds of the database's CPU, come out
      // one after another instead of all at the end, sharing the cores: the map draws the first
      // sooner. Detail tiles take a millisecond or two; limiting them only cost throughput.
      const heavy = layer.detailMinzoom !== undefined && t.z < layer.detailMinzoom
      job = (this.gate && heavy ? this.gate.run(encode) : encode()).then((body) => {
        const entry: CachedTile = { layer: layer.id, ...t, body, etag: etagOf(body) }
        this.cache.set(key, entry, epoch)
        return entry
      }).finally(() => this.pending.delete(key))
      this.pending.set(key, job)
    }
    const entry = await job
    return { body: entry.body, etag: entry.etag, gzip: null, gzipEtag: gzipEtagOf(entry.etag), cache: 'miss' }
  }

  private async readDb(): Promise<IDatabase<unknown>> {
    const pick = this.opts.readDb
    if (!pick) return this.db
    this.fence ??= this.db.one('SELECT pg_current_wal_insert_lsn()::text AS lsn', [], (r: { lsn: string }) => r.lsn)
    const fence = this.fence
    try {
      return await pick(await fence)
    } catch (e) {
      if (this.fence === fence) this.fence = null
      throw e
    }
  }

  /** Compresses a cached tile on the thread pool, off the request that encoded it. */
  private compress(key: string, entry: CachedTile): void {
    if (entry.body.length < GZIP_MIN_BYTES) {
      this.cache.attachGzip(key, entry, null)
      return
    }
    this.compressing.add(key)
    zlib.gzip(entry.body, { level: 6 }, (err, gz) => {
      this.compressing.delete(key)
      this.cache.attachGzip(key, entry, err || gz.length >= entry.body.length ? null : gz)
      if (this.compressing.size === 0) for (const resolve of this.compressed.splice(0)) resolve()
    })
  }

  /** Resolves when no compression is running (tests). */
  whenCompressed(): Promise<void> {
    return this.compressing.size === 0 ? Promise.resolve() : new Promise((resolve) => this.compressed.push(resolve))
  }

  /** Drops the cached tiles a change inside bbox (EPSG:4490; null: anywhere) can have altered, in
   * the layer and in every layer drawn from the same table. `target` is a layer id or a table. */
  invalidate(target: string, bbox: BBox | null): number {
    let dropped = 0
    for (const id of affectedLayers(target)) dropped += this.cache.invalidate(id, bbox)
    this.fence = null
    return dropped
  }

  /** Drops every cached tile. */
  clearCache(): void {
    this.cache.clear()
    this.fence = null
  }

  /** Reads the event log since the last call and invalidates what each change touched. */
  syncEventLog(): Promise<number> {
    // one read at a time: a second caller waits for the running one and then reads again
    const run = async (): Promise<number> => {
      const rows: { id: number; entity: string; xmin: number | null; ymin: number; xmax: number; ymax: number }[] =
        await this.db.any(CHANGED_BBOXES, { from: Math.max(0, this.lastEventId - SEEN_WINDOW), seen: [...this.seen] })
      let dropped = 0
      if (rows.length) this.fence = null
      for (const r of rows) {
        const bbox: BBox | null = r.xmin === null ? null : [r.xmin, r.ymin, r.xmax, r.ymax]
        for (const l of layersOfTable(r.entity)) dropped += this.cache.invalidate(l.id, bbox)
        this.seen.add(r.id)
        if (r.id > this.lastEventId) this.lastEventId = r.id
      }
      for (const id of this.seen) if (id <= this.lastEventId - SEEN_WINDOW) this.seen.delete(id)
      return dropped
    }
    const next: Promise<number> = (this.syncing ?? Promise.resolve(0)).catch(() => 0).then(run)
    this.syncing = next
    return next.finally(() => {
      if (this.syncing === next) this.syncing = null
    })
  }

  close(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.unsubscribe?.()
    this.unsubscribe = null
    live.delete(this)
  }
}

/** Reads the event log now, in every app of this process, and drops the cached tiles under
 * whatever was written since the last read (the watcher does the same every second). For a
 * writer that changed rows of several tables and would rather not work out their bboxes. */
export async function syncTilesWithEventLog(): Promise<number> {
  let dropped = 0
  for (const s of live) dropped += await s.syncEventLog()
  return dropped
}

/** The tile services of the apps running in this process (tests count their event-log polls). */
export function tileServices(): TileService[] {
  return [...live]
}

/** Resolves when every app of this process has compressed the tiles it has cached (tests). */
export async function tilesCompressed(): Promise<void> {
  for (const s of live) await s.whenCompressed()
}

/** The layers a change of a layer's table (or of a table) alters; throws on an unknown name so
 * that a writer's typo does not leave stale tiles silently. */
export function affectedLayers(target: string): string[] {
  const layer = findLayer(target)
  const table = layer ? layer.table : target
  const affected = new Set(layersOfTable(table).map((l) => l.id))
  if (layer) affected.add(layer.id)
  if (affected.size === 0) throw new Error(`invalidateTiles: "${target}" is neither a tile layer nor a table a layer reads`)
  return [...affected]
}

/** Below this a tile is sent as it is: gzip's own header and trailer outweigh what it saves. */
const GZIP_MIN_BYTES = 256

/** A strong ETag names one representation: the gzip one gets its own. */
const gzipEtagOf = (etag: string) => `${etag.slice(0, -1)}-gz"`

function etagOf(body: Buffer): string {
  return `"${crypto.createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`
}

/** Drops the cached tiles that a change of `layer` (a tile layer id such as 'parcels', or a table
 * such as 'parcel' or 'rs_change') inside `bbox4490` ([minLon, minLat, maxLon, maxLat] in
 * EPSG:4490; null when unknown) can have altered, in every app of this process: a land-changed
 * message on the one channel (server/events.ts), to which every TileService subscribes. Writers
 * call it (or publish) after their transaction commits; returns how many cached tiles were dropped. */
export function invalidateTiles(layer: string, bbox4490: BBox | null): number {
  affectedLayers(layer)
  return publish({ kind: 'land-changed', target: layer, bbox: bbox4490 })
}
