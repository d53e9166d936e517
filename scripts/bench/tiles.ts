/** Benchmark of the vector tiles, over 100,000 generated parcels in a throwaway
 * PostgreSQL cluster (server/test/pg-cluster.ts, deleted afterwards):
 *
 * 1. uncached tiles: p50/p95 of GET /tiles/parcels/{z}/{x}/{y}.mvt (each tile asked once, so
 *    none is in the cache) against the same ST_AsMVT SQL with the same parameters run directly by
 *    a client of its own (node-postgres, a named prepared statement as the server uses). Goal:
 *    ratio ≤ 1.15.
 *    Then throughput at 16 concurrent connections: distinct uncached tiles per second through the
 *    endpoint (the server's pool has 16 connections) against the same SQL through a `pg` pool of
 *    16. Goal ≥ 0.85. And the tile SQL against a Martin-style reference query written here on its
 *    own (ST_TileEnvelope, `&&` in the table's SRID, ST_AsMVTGeom, as Martin's table sources do)
 *    over the same table and columns, checked tile by tile to return the same features. Goal: the
 *    product's SQL no slower (ratio ≤ 1).
 * 2. cached tiles: requests per second with autocannon against a Fastify hello-world on this
 *    machine, same settings. Goal ≥ 0.5×. The public cluster layer (no login) and the parcel
 *    layer with a bearer token (whose session the auth plugin looks up per request) separately,
 *    asked as the map's browser asks (Accept-Encoding: gzip, deflate, br: a cached tile is sent
 *    gzip-compressed), and for reference as a client that takes no compression.
 * 3. the map: time from navigation until parcels are drawn (and until every tile of the view is
 *    loaded) in headless Chromium, 100,000 parcels loaded, server cache cold, at zoom 14 and at
 *    zoom 12 (overview tiles of thousands of parcels). Goal ≤ 2 s.
 *
 * HTTP and SQL clients run in processes of their own, so that they do not share the server's
 * event loop. */
import fs from 'node:fs'
import nodeHttp from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { startPgCluster } from '../../server/test/pg-cluster'
import { cpuProfiled, percentile, runNode, throughput } from './client-process'
import { reportMap, timeMap } from './map-timing'
import { openDatabase } from '../../server/db/connect'
import { pgp } from '../../server/db/pgp'
import { sqlLoader } from '../../server/db/sql'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { hashPassword } from '../../server/auth'
import { TileService, invalidateTiles, tilesCompressed } from '../../server/tiles'
import { decodeTile } from '../../server/tiles/decode'
import { findLayer } from '../../server/tiles/layers'
import { tileQuery } from '../../server/tiles/sql'
import { latToTileY, lonToTileX } from '../../server/tiles/tile-math'
import { insertSeedClusters } from '../../server/test/tiles-fixture'
import { ensureWebBuild } from '../ensure-web-build'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const DATA = sqlLoader(import.meta.url)('tiles-data.sql')

const N = 100_000
const COLUMNS = 320
/** 100 m × 80 m cells at 34.6° N (metres per degree: 91,620 of longitude, 110,950 of latitude). */
const GRID = { west: 112.30, south: 34.52, dlon: 100 / 91_620, dlat: 80 / 110_950 }
const CENTRE: [number, number] = [GRID.west + (COLUMNS / 2) * GRID.dlon, GRID.south + (N / COLUMNS / 2) * GRID.dlat]
const SAMPLES = 300
const WARMUP = 30
const AUTOCANNON = { connections: 20, seconds: 10 }
const MAP_RUNS = 3
/** Concurrent connections of the throughput line; the server's pool has as many. */
const CONCURRENCY = 16
/** Distinct tiles asked for by each phase of the throughput line. */
const THROUGHPUT_TILES = 1200

/** The machine is shared: say how busy it was while a number was taken. */
const loadavg = () => os.loadavg().map((l) => l.toFixed(1)).join(' ')

/** A deterministic pseudo-random sequence (mulberry32, in 32-bit integer arithmetic: a float
 * LCG loses its low bits past 2^53 and falls into a short cycle), so that two runs ask for the
 * same tiles. */
function mulberry32(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** Distinct tiles of zoom 14–16 over the parcel grid (the same ones for the same seed). */
function sampleTiles(count: number, seed = 4103): { z: number; x: number; y: number }[] {
  const random = mulberry32(seed)
  const east = GRID.west + COLUMNS * GRID.dlon
  const north = GRID.south + (N / COLUMNS) * GRID.dlat
  const seen = new Set<string>()
  const out: { z: number; x: number; y: number }[] = []
  while (out.length < count) {
    const z = 14 + Math.floor(random() * 3)
    const lon = GRID.west + random() * (east - GRID.west)
    const lat = GRID.south + random() * (north - GRID.south)
    const t = { z, x: Math.floor(lonToTileX(lon, z)), y: Math.floor(latToTileY(lat, z)) }
    const key = `${t.z}/${t.x}/${t.y}`
    if (!seen.has(key)) {
      seen.add(key)
      out.push(t)
    }
  }
  return out
}

/** One client process times both sides, tile by tile, alternating which goes first: the same SQL
 * and parameters on a connection of its own (a named prepared statement, as the server uses), and
 * the endpoint over one keep-alive HTTP connection. Load from elsewhere on the machine then falls
 * on both alike. */
const PAIRED_CLIENT = `
import pg from 'pg'
import nodeHttp from 'node:http'
let input = ''
for await (const chunk of process.stdin) input += chunk
const { url, text, base, headers, warm, timed } = JSON.parse(input)
const client = new pg.Client({ connectionString: url })
await client.connect()
const sql = async (values) => {
  const r = await client.query({ name: 'tile', text, values })
  if (r.rows.length !== 1) { console.error('no row'); process.exit(1) }
}
// node:http over one keep-alive socket, the counterpart of node-postgres on the other side (fetch's
// WHATWG streams would add ~0.17 ms of the client's own work to every request)
const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 1 })
const http = (path) => new Promise((resolve, reject) => {
  nodeHttp.get(base + path, { headers, agent }, (res) => {
    res.on('data', () => undefined)
    res.on('error', reject)
    res.on('end', () => {
      if (res.statusCode !== 200 && res.statusCode !== 204) { console.error(path, res.statusCode); process.exit(1) }
      resolve()
    })
  }).on('error', reject)
})
const timeIt = async (f) => { const t0 = performance.now(); await f(); return performance.now() - t0 }
for (const t of warm) { await sql(t.values); await http(t.path) }
const out = { sql: [], http: [] }
for (let i = 0; i < timed.length; i++) {
  const t = timed[i]
  if (i % 2 === 0) { out.sql.push(await timeIt(() => sql(t.values))); out.http.push(await timeIt(() => http(t.path))) }
  else { out.http.push(await timeIt(() => http(t.path))); out.sql.push(await timeIt(() => sql(t.values))) }
}
await client.end()
agent.destroy()
console.log(JSON.stringify(out))
`

/** Two SQL texts, each with its parameters for the same tile, timed tile by tile from a connection of their own
 * (named prepared statements both), alternating which goes first. */
const SQL_PAIR_CLIENT = `
import pg from 'pg'
let input = ''
for await (const chunk of process.stdin) input += chunk
const { url, a, b, warm, timed } = JSON.parse(input)
const client = new pg.Client({ connectionString: url })
await client.connect()
const run = async (name, text, values) => {
  const t0 = performance.now()
  const r = await client.query({ name, text, values })
  if (r.rows.length !== 1) { console.error('no row'); process.exit(1) }
  return performance.now() - t0
}
for (const v of warm) { await run('a', a, v.a); await run('b', b, v.b) }
const out = { a: [], b: [] }
for (let i = 0; i < timed.length; i++) {
  const v = timed[i]
  if (i % 2 === 0) { out.a.push(await run('a', a, v.a)); out.b.push(await run('b', b, v.b)) }
  else { out.b.push(await run('b', b, v.b)); out.a.push(await run('a', a, v.a)) }
}
await client.end()
console.log(JSON.stringify(out))
`

/** The reference: a tile of the parcel table as Martin's table sources build one (martin
 * src/pg/table_source.rs: ST_AsMVTGeom of the geometry in 3857 against ST_TileEnvelope, rows
 * picked by \`&&\` against the envelope grown by the buffer and transformed to the table's SRID),
 * with the columns of the product's parcel layer that need no join, written here independently of
 * server/tiles/sql.ts. Parameters $1 z, $2 x, $3 y. */
const MARTIN_STYLE = `
SELECT ST_AsMVT(tile, 'parcels', 4096, 'geom', 'id') AS tile FROM (
  SELECT ST_AsMVTGeom(ST_Transform(ST_CurveToLine(parcel.geom), 3857), ST_TileEnvelope($1::integer, $2::integer, $3::integer), 4096, 64, true) AS geom,
         parcel.id, parcel.code, parcel.county_code::text AS county_code, parcel.cluster_code, parcel.land_use, parcel.stage,
         round(parcel.area_m2::numeric, 2)::float8 AS area_m2, round(parcel.area_mu::numeric, 2)::float8 AS area_mu, parcel.owner_name
    FROM public.parcel
   WHERE parcel.geom && ST_Transform(ST_TileEnvelope($1::integer, $2::integer, $3::integer, margin => (64.0 / 4096)), 4490)
     AND parcel.retired_at IS NULL
) AS tile`

/** Decoded features of a tile, by id: the same features means the same ids, properties and rings. */
function featuresOf(body: Buffer | null): string {
  const layers = decodeTile(body ?? Buffer.alloc(0))
  const features = Object.values(layers).flatMap((l) => l.features)
  return JSON.stringify(features.sort((a, b) => (a.id ?? 0) - (b.id ?? 0)).map((f) => [f.id, f.type, Object.entries(f.properties).sort(), f.rings]))
}

const script = (s: string) => ['--input-type=module', '-e', s]

interface Cannon { requests: { average: number }; latency: { p50: number; p97_5: number }; non2xx: number; errors: number }

function autocannon(url: string, headers: Record<string, string> = {}): Promise<Cannon> {
  const args = [path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-j', '-c', String(AUTOCANNON.connections), '-d', String(AUTOCANNON.seconds)]
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`)
  return runNode<Cannon>([...args, url], '')
}

export async function benchTiles(): Promise<void> {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-bench-web-'))
  console.log('building the web map…')
  await ensureWebBuild(dist)
  const cluster = await startPgCluster()
  const admin = pgp(cluster.url)
  let closeAll = async () => {
    cluster.stop()
    fs.rmSync(dist, { recursive: true, force: true })
  }
  try {
    await admin.none('CREATE DATABASE onemap_tiles_bench')
    await admin.$pool.end()
    const url = cluster.urlFor('onemap_tiles_bench')
    const database = await openDatabase({ databaseUrl: url, dataDir: '', poolSize: CONCURRENCY })
    const t0 = Date.now()
    await insertSeedClusters(database.db, path.join(ROOT, 'fixtures', 'luoyang-clusters.json'))
    await database.db.tx((t) => t.none(DATA, { n: N, columns: COLUMNS, ...GRID }))
    console.log(`generated ${N} parcels (${COLUMNS} to a row) with contracts and tax figures in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

    const app = await buildApp({ config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: dist, ONEMAP_REFRESH_MINUTES: '0' }), database })
    const hello = Fastify()
    hello.get('/', async () => ({ hello: 'world' }))
    // the same bytes as a cached tile, from a bare Fastify: the ceiling for a body that size here
    const sameBytes: { body: Buffer } = { body: Buffer.alloc(0) }
    hello.get('/bytes', async (_request, reply) => reply.type('application/vnd.mapbox-vector-tile').send(sameBytes.body))
    closeAll = async () => {
      await hello.close()
      await app.close()
      await database.close()
      cluster.stop()
      fs.rmSync(dist, { recursive: true, force: true })
    }
    await database.db.users.create({ username: 'bench', display_name: 'bench', role: 'analyst', county_scope: null, password_hash: await hashPassword('bench-pass-1') })
    await app.listen({ host: '127.0.0.1', port: 0 })
    await hello.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const helloUrl = `http://127.0.0.1:${(hello.server.address() as AddressInfo).port}/`
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-pass-1' }) })
    const token = (await login.json() as { token: string }).token
    const headers = { authorization: `Bearer ${token}` }

    // 1. uncached tiles against the same SQL, for the analyst (the heaviest attribute set)
    const service = await TileService.create(database.db, { sensitiveRoles: app.config.sensitiveRoles, cacheBytes: 0 })
    const encoder = service.encoderFor('parcels', 'analyst')!
    service.close()
    if (encoder.kind !== 'postgis') throw new Error(`expected the ST_AsMVT encoder on PostgreSQL, got ${encoder.kind}`)
    // the first WARMUP tiles only warm up each client; every timed tile is asked for once
    const sampled = sampleTiles(WARMUP + SAMPLES)
    const warm = sampled.slice(0, WARMUP)
    const tiles = sampled.slice(WARMUP)
    const tilePath = (t: { z: number; x: number; y: number }) => `/tiles/parcels/${t.z}/${t.x}/${t.y}.mvt`
    const params = tiles.map((t) => encoder.params(t, null))
    const sizes = await Promise.all(tiles.slice(0, 40).map(async (t) => {
      const res = await fetch(base + tilePath(t), { headers })
      return { t, bytes: (await res.arrayBuffer()).byteLength }
    }))
    console.log('timing uncached tiles…')
    const round = () => {
      // every timed tile is asked for once after this: none is in the cache
      invalidateTiles('parcels', null)
      return runNode<{ sql: number[]; http: number[] }>(script(PAIRED_CLIENT), {
        url, text: encoder.sql, base, headers,
        warm: warm.map((t) => ({ values: encoder.params(t, null), path: tilePath(t) })),
        timed: tiles.map((t, i) => ({ values: params[i], path: tilePath(t) })),
      })
    }
    await round() // both sides bring the same pages into the database's cache
    const { sql, http } = await round()
    // the floor of any authenticated request here: session check and HTTP round trip, no tile
    const me = (await runNode<{ http: number[] }>(script(PAIRED_CLIENT), {
      url, text: 'SELECT 1', base, headers, warm: [], timed: Array.from({ length: SAMPLES }, () => ({ values: [], path: '/api/auth/me' })),
    })).http
    const [h50, h95, s50, s95] = [percentile(http, 50), percentile(http, 95), percentile(sql, 50), percentile(sql, 95)]
    const avgKb = sizes.reduce((n, b) => n + b.bytes, 0) / sizes.length / 1024
    console.log(`uncached parcel tiles (z14–16, ${SAMPLES} distinct, ~${avgKb.toFixed(0)} KB each, role analyst; load average ${loadavg()})`)
    console.log(`  endpoint p50 ${h50.toFixed(2)} ms  p95 ${h95.toFixed(2)} ms | same SQL direct p50 ${s50.toFixed(2)} ms  p95 ${s95.toFixed(2)} ms | ` +
      `ratio p50 ${(h50 / s50).toFixed(2)}  p95 ${(h95 / s95).toFixed(2)}  ${h50 / s50 <= 1.15 ? 'ok' : 'ABOVE GOAL 1.15'}`)
    console.log(`  for reference, GET /api/auth/me (session check + HTTP, no tile) p50 ${percentile(me, 50).toFixed(2)} ms  p95 ${percentile(me, 95).toFixed(2)} ms`)

    // 1b. throughput at 16 concurrent connections: distinct tiles, none in the cache when asked
    const many = sampleTiles(THROUGHPUT_TILES, 2026)
    const items = many.map((t) => ({ path: tilePath(t), query: { name: 'tile', text: encoder.sql, values: encoder.params(t, null) } }))
    const throughputRound = (phases: ('http' | 'sql')[]) => {
      invalidateTiles('parcels', null)
      return throughput({ url, base, headers, items, concurrency: CONCURRENCY, phases, statuses: [200, 204] })
    }
    await throughputRound(['sql', 'http']) // warms the pages, the connections and both sides' statements
    const cpu = process.cpuUsage()
    const [sqlA, httpA, httpB, sqlB] = (await cpuProfiled('tiles-16', async () => [...await throughputRound(['sql', 'http']), ...await throughputRound(['http', 'sql'])]))
      .map((phase) => phase.rate)
    const used = process.cpuUsage(cpu)
    // the server idles while the pool runs: its CPU is that of the HTTP requests
    const serverMs = (used.user + used.system) / 1000 / (2 * items.length)
    const httpRate = (httpA! + httpB!) / 2
    const sqlRate = (sqlA! + sqlB!) / 2
    console.log(`${CONCURRENCY} concurrent connections, ${THROUGHPUT_TILES} distinct uncached parcel tiles (z14–16, analyst) per phase, two rounds in turn (load average ${loadavg()})`)
    console.log(`  endpoint ${httpRate.toFixed(0)} tiles/s (${httpA!.toFixed(0)}, ${httpB!.toFixed(0)}) | same ST_AsMVT SQL through a pg pool of ${CONCURRENCY} ` +
      `${sqlRate.toFixed(0)} tiles/s (${sqlA!.toFixed(0)}, ${sqlB!.toFixed(0)}) | ratio ${(httpRate / sqlRate).toFixed(2)}  ${httpRate / sqlRate >= 0.85 ? 'ok' : 'BELOW GOAL 0.85'}` +
      ` (server CPU ${serverMs.toFixed(2)} ms a tile)`)

    // 1c. the product's tile SQL against a Martin-style reference over the same table and columns
    const parcelsLayer = findLayer('parcels')!
    const plainAttrs = parcelsLayer.attributes.filter((a) => !a.needs?.length)
    const productSql = tileQuery('postgis', parcelsLayer, plainAttrs, service.available)
    const compared = sampleTiles(SAMPLES, 77)
    let same = 0
    let nonEmpty = 0
    for (const t of compared) {
      const ours = await database.db.one(productSql, encoder.params(t, null), (r: { tile: Buffer | null }) => r.tile)
      const theirs = await database.db.one(MARTIN_STYLE, [t.z, t.x, t.y], (r: { tile: Buffer | null }) => r.tile)
      const a = featuresOf(ours)
      if (a === featuresOf(theirs)) same++
      else if (same < 3) console.log(`  tile ${t.z}/${t.x}/${t.y}: the product's SQL and the reference differ`)
      if (ours?.length) nonEmpty++
    }
    if (same !== compared.length) throw new Error(`the product's tile SQL and the Martin-style reference differ on ${compared.length - same} of ${compared.length} tiles`)
    const pair = await runNode<{ a: number[]; b: number[] }>(script(SQL_PAIR_CLIENT), {
      url, a: productSql, b: MARTIN_STYLE,
      warm: compared.slice(0, WARMUP).map((t) => ({ a: encoder.params(t, null), b: [t.z, t.x, t.y] })),
      timed: compared.map((t) => ({ a: encoder.params(t, null), b: [t.z, t.x, t.y] })),
    })
    const [o50, o95, m50, m95] = [percentile(pair.a, 50), percentile(pair.a, 95), percentile(pair.b, 50), percentile(pair.b, 95)]
    console.log(`tile SQL vs a Martin-style reference (same table, same ${plainAttrs.length} columns without joins; ${compared.length} tiles, ${nonEmpty} with features, ` +
      `all decoded the same; load average ${loadavg()})`)
    console.log(`  product p50 ${o50.toFixed(2)} ms  p95 ${o95.toFixed(2)} ms | reference p50 ${m50.toFixed(2)} ms  p95 ${m95.toFixed(2)} ms | ` +
      `ratio p50 ${(o50 / m50).toFixed(3)}  ${o50 / m50 <= 1 ? 'ok' : 'SLOWER THAN THE REFERENCE'}`)

    // 2. cached tiles against hello-world: a parcel tile of the median size, and the largest seen
    const bySize = [...sizes].sort((a, b) => a.bytes - b.bytes)
    const typical = bySize[Math.floor(bySize.length / 2)]!
    const largest = bySize[bySize.length - 1]!
    const parcelUrl = base + tilePath(typical.t)
    const largeUrl = base + tilePath(largest.t)
    const clusterTile = { z: 12, x: Math.floor(lonToTileX(112.455, 12)), y: Math.floor(latToTileY(34.595, 12)) }
    const clusterUrl = `${base}/tiles/clusters/${clusterTile.z}/${clusterTile.x}/${clusterTile.y}.mvt`
    for (const u of [parcelUrl, largeUrl, clusterUrl, parcelUrl, largeUrl, clusterUrl]) { // twice: compressed on the second
      const r = await fetch(u, { headers: u === clusterUrl ? {} : headers })
      if (r.status !== 200) throw new Error(`${u}: ${r.status}`)
    }
    await tilesCompressed()
    const BROWSER = { 'accept-encoding': 'gzip, deflate, br' }
    const gz = await new Promise<{ encoding: string | undefined; bytes: number }>((resolve, reject) => {
      nodeHttp.get(parcelUrl, { headers: { ...headers, ...BROWSER } }, (res) => {
        let bytes = 0
        res.on('data', (c: Buffer) => (bytes += c.length))
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], bytes }))
      }).on('error', reject)
    })
    if (gz.encoding !== 'gzip') throw new Error(`a cached parcel tile was not sent gzip-encoded (${gz.encoding})`)
    console.log('timing cached tiles…')
    sameBytes.body = Buffer.from(await (await fetch(parcelUrl, { headers })).arrayBuffer())
    const baseline = await autocannon(helloUrl)
    const bareBytes = await autocannon(helloUrl + 'bytes')
    const publicTile = await autocannon(clusterUrl, BROWSER)
    const privateTile = await autocannon(parcelUrl, { ...headers, ...BROWSER })
    const privateIdentity = await autocannon(parcelUrl, headers)
    const largeTile = await autocannon(largeUrl, { ...headers, ...BROWSER })
    const line = (name: string, c: Cannon) => {
      const ratio = c.requests.average / baseline.requests.average
      return `  ${name.padEnd(40)} ${c.requests.average.toFixed(0).padStart(7)} req/s  p50 ${c.latency.p50} ms  p97.5 ${c.latency.p97_5} ms` +
        `${c.non2xx || c.errors ? `  (${c.non2xx} non-2xx, ${c.errors} errors)` : ''}  ratio ${ratio.toFixed(2)}  ${ratio >= 0.5 ? 'ok' : 'BELOW GOAL 0.5'}`
    }
    console.log(`cached tiles, autocannon ${AUTOCANNON.connections} connections × ${AUTOCANNON.seconds} s (load average ${loadavg()})`)
    console.log(`  ${'Fastify hello-world (baseline)'.padEnd(40)} ${baseline.requests.average.toFixed(0).padStart(7)} req/s  p50 ${baseline.latency.p50} ms  p97.5 ${baseline.latency.p97_5} ms`)
    console.log(line('public cluster tile (no login)', publicTile))
    console.log(line(`parcel tile, token, median ${(typical.bytes / 1024).toFixed(0)} KB (gzip ${(gz.bytes / 1024).toFixed(1)} KB)`, privateTile))
    console.log(line(`  the same, client without gzip`, privateIdentity))
    console.log(`  ${`(the same ${(typical.bytes / 1024).toFixed(0)} KB from a bare Fastify)`.padEnd(40)} ${bareBytes.requests.average.toFixed(0).padStart(7)} req/s: ` +
      `the tile route without gzip reaches ${(privateIdentity.requests.average / bareBytes.requests.average).toFixed(2)} of it`)
    console.log(line(`parcel tile, token, largest ${(largest.bytes / 1024).toFixed(0)} KB`, largeTile))

    // 3. the map in headless Chromium
    console.log('timing the map…')
    const runs = await timeMap({
      base, token, view: { zoom: 14, lat: CENTRE[1], lon: CENTRE[0] }, runs: MAP_RUNS, beforeRun: () => invalidateTiles('parcels', null),
    })
    reportMap(runs, `zoom 14 over ${N} parcels`, loadavg())
    // zoom 12: overview tiles of up to ~8 000 parcels each, as the densest of the province bench's
    // (their encodings limited to ONEMAP_TILE_QUERIES at once, by default the cores)
    const overview = await timeMap({
      base, token, view: { zoom: 12, lat: CENTRE[1], lon: CENTRE[0] }, runs: MAP_RUNS, beforeRun: () => invalidateTiles('parcels', null),
    })
    reportMap(overview, `zoom 12 over ${N} parcels (overview tiles encoded ${app.config.tileQueries || 'without a limit'} at once)`, loadavg())
  } finally {
    await closeAll()
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchTiles().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
