/** Benchmark of the parcel card (一宗一卡) and of a bbox search over 100,000 generated parcels:
 * p50/p95 of the HTTP endpoint against the same SQL text run directly by a database client of its
 * own (node-postgres, as psql would), each from a separate process; goals (the card's
 * prepared statement): card ≤ 0.8 × its unprepared SQL, the route adding ≤ 0.1 ms over a
 * do-nothing authenticated route and the prepared SQL, and at 16 concurrent connections card and
 * bbox-search throughput ≥ 0.8 × the same SQL through a pg pool of 16.
 * Runs in a throwaway PostgreSQL cluster (server/test/pg-cluster.ts), deleted afterwards. */
import os from 'node:os'
import type { AddressInfo } from 'node:net'
import { startPgCluster } from '../../server/test/pg-cluster'
import { openDatabase } from '../../server/db/connect'
import { pgp } from '../../server/db/pgp'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { hashPassword } from '../../server/auth'
import { COUNTY_A } from '../../server/test/land'
import { pageOf, bboxOf, setEtag } from '../../server/schemas/common'
import { ParcelCode } from '../../server/schemas/parcel'
import { ROLES } from '../../server/common/roles'
import type { ReadViewer as Viewer } from '../../server/db/viewer'
import { cpuProfiled, percentile, runNode, throughput } from './client-process'
import { generateWorld, lcg } from './world'

const N = 100_000
const SAMPLES = 400
const WARMUP = 50
const CONCURRENCY = 16
const WARMUP_THROUGHPUT = 200

/** The machine is shared: say how busy it was while a number was taken. */
const loadavg = () => os.loadavg().map((l) => l.toFixed(1)).join(' ')


/** One client process, of its own (its work would otherwise share the server's event loop and be
 * counted as the endpoint's), times a list of operations request by request, rotating which goes
 * first: HTTP requests over one keep-alive connection, and SQL on a database connection of its own
 * (node-postgres, as psql would run it: plain text, or a named prepared statement). Drift on the
 * machine (another process, the page cache, the CPU's clock) then falls on all alike. node:http
 * is the counterpart of node-postgres: fetch's WHATWG streams cost the client itself ~0.17 ms a
 * request here (measured on /api/auth/me), which would be counted as the server's.
 * An operation that names a `same` group is checked, on every request, to answer the same text
 * as the others of its group (the HTTP body and the SQL's one text column): the reference SQL does
 * the product's work, no less. */
const PAIRED_CLIENT = `
import http from 'node:http'
import pg from 'pg'
let input = ''
for await (const chunk of process.stdin) input += chunk
const { url, base, headers, items, warmup } = JSON.parse(input)
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
const get = (path) => new Promise((resolve, reject) => {
  http.get(base + path, { headers, agent }, (res) => {
    const chunks = []
    res.on('data', (c) => chunks.push(c))
    res.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      if (res.statusCode !== 200) { console.error(path, res.statusCode, body); process.exit(1) }
      resolve(body)
    })
    res.on('error', reject)
  }).on('error', reject)
})
const client = new pg.Client({ connectionString: url })
await client.connect()
const sql = async (query) => {
  const r = await client.query(query)
  if (r.rows.length !== 1) { console.error('no row for', JSON.stringify(query).slice(0, 200)); process.exit(1) }
  const row = r.rows[0]
  return String(row[Object.keys(row).find((k) => k !== 'version')])
}
const run = (op) => op.path !== undefined ? get(op.path) : sql(op.query)
const n = items[0].length
const out = Array.from({ length: n }, () => [])
for (let i = 0; i < items.length + warmup; i++) {
  const ops = items[i < warmup ? i % items.length : i - warmup]
  const times = new Array(n)
  const answers = new Array(n)
  for (let k = 0; k < n; k++) {
    const j = (i + k) % n
    const t0 = performance.now()
    answers[j] = await run(ops[j])
    times[j] = performance.now() - t0
  }
  const groups = {}
  ops.forEach((op, j) => { if (op.same) (groups[op.same] ??= []).push(j) })
  for (const js of Object.values(groups)) {
    for (const j of js.slice(1)) {
      if (answers[j] !== answers[js[0]]) { console.error('different answers:', JSON.stringify(ops[js[0]]).slice(0, 200), 'and', JSON.stringify(ops[j]).slice(0, 200)); process.exit(1) }
    }
  }
  if (i >= warmup) times.forEach((t, j) => out[j].push(t))
}
await client.end()
agent.destroy()
console.log(JSON.stringify(out))
`

type Op = { path: string; same?: string } | { query: string | { name: string; text: string; values: unknown[] }; same?: string }

/** The operations of each item timed side by side; a first round only warms them up (the pages
 * each brings into the database's cache serve the others), the second is reported. */
async function compareOps(url: string, base: string, headers: Record<string, string>, items: Op[][]): Promise<number[][]> {
  const round = () => runNode<number[][]>(['--input-type=module', '-e', PAIRED_CLIENT], { url, base, headers, items, warmup: WARMUP })
  await round()
  return round()
}

/** Endpoint and SQL, paired, both checked to answer the same text. */
async function compare(url: string, base: string, headers: Record<string, string>, pairs: { path: string; sql: string; same?: boolean }[]): Promise<[number[], number[]]> {
  const [http, sql] = await compareOps(url, base, headers, pairs.map((p) => [
    { path: p.path, same: p.same === false ? undefined : 'a' }, { query: p.sql, same: p.same === false ? undefined : 'a' },
  ]))
  return [http!, sql!]
}

/** Requests per second at a concurrency, the endpoint and the same SQL through a pool of as many
 * connections, two rounds in turn (HTTP first, then SQL first), averaged. */
async function rates(url: string, base: string, headers: Record<string, string>, items: { path: string; sql: string }[], concurrency: number) {
  const cpu = process.cpuUsage()
  const [httpA, sqlA, sqlB, httpB] = await throughput({
    url, base, headers, concurrency, items: items.map((x) => ({ path: x.path, query: x.sql })), phases: ['http', 'sql', 'sql', 'http'], warm: WARMUP_THROUGHPUT,
  })
  const used = process.cpuUsage(cpu)
  // the server idles while the pool runs: its CPU is that of the HTTP requests (warm-up included)
  const serverMs = (used.user + used.system) / 1000 / (WARMUP_THROUGHPUT + 2 * items.length)
  return { http: (httpA!.rate + httpB!.rate) / 2, sql: (sqlA!.rate + sqlB!.rate) / 2, serverMs }
}

function report(name: string, http: number[], direct: number[], goal = 0.8): boolean {
  const [h50, h95, d50, d95] = [percentile(http, 50), percentile(http, 95), percentile(direct, 50), percentile(direct, 95)]
  const r50 = h50 / d50
  const r95 = h95 / d95
  console.log(`${name.padEnd(28)} endpoint p50 ${h50.toFixed(2).padStart(7)} ms  p95 ${h95.toFixed(2).padStart(7)} ms | ` +
    `SQL p50 ${d50.toFixed(2).padStart(7)} ms  p95 ${d95.toFixed(2).padStart(7)} ms | ratio p50 ${r50.toFixed(2)}  p95 ${r95.toFixed(2)}  ${r50 <= goal ? 'ok' : `ABOVE GOAL ${goal}`}`)
  return r50 <= goal
}

export async function benchParcels(): Promise<void> {
  const cluster = await startPgCluster()
  const admin = pgp(cluster.url)
  let closeAll = async () => { cluster.stop() }
  try {
    await admin.none('CREATE DATABASE onemap_bench')
    await admin.$pool.end()
    const database = await openDatabase({ databaseUrl: cluster.urlFor('onemap_bench'), dataDir: '', poolSize: CONCURRENCY })
    const t0 = Date.now()
    await generateWorld(database.db, { parcels: N })
    console.log(`generated ${N} parcels with contracts, development, zones, batches in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    // As a running service has it (server/bootstrap.ts, plugins/daily-refresh.ts): the analysis
    // snapshot is today's, so the card reads its classifications from the materialised findings.
    const t1 = Date.now()
    await database.db.one('SELECT analysis.refresh_all(luoyang_today())')
    console.log(`analysis snapshot for today in ${((Date.now() - t1) / 1000).toFixed(1)} s`)

    const app = await buildApp({ config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent' }), database })
    closeAll = async () => { await app.close(); await database.close(); cluster.stop() }
    await database.db.users.create({ username: 'bench', display_name: 'bench', role: 'analyst', county_scope: [COUNTY_A], password_hash: await hashPassword('bench-pass-1') })
    // A route of this bench only, for where the card route's time goes: the card's text from
    // memory behind the card's parameters, access and headers, with no database
    const remembered = new Map<string, string>()
    app.get('/bench/card-from-memory/:code', { config: { access: ROLES }, schema: { params: ParcelCode } }, async (request, reply) => {
      setEtag(reply, 1)
      return reply.type('application/geo+json').send(remembered.get((request.params as { code: string }).code))
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-pass-1' }) })
    const headers = { authorization: `Bearer ${(await login.json() as { token: string }).token}` }
    // the analyst of the benchmark sees tax and output: the heaviest card
    const viewer: Viewer = { scope: [COUNTY_A], sensitive: true }
    const get = async (path: string) => {
      const res = await fetch(base + path, { headers })
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      return res.text()
    }

    const random = lcg(4103)
    const codes = Array.from({ length: SAMPLES }, () => `LL-${String(Math.floor(random() * N)).padStart(6, '0')}`)
    const sample = await get(`/api/parcels/${codes[0]}`)
    if (!sample.includes('"properties"')) throw new Error('the card endpoint returned no card')
    const url = cluster.urlFor('onemap_bench')
    // The card four ways, side by side: the endpoint; the same SQL unprepared, as a person runs it
    // by hand; the prepared statement the server runs; a do-nothing authenticated route. The
    // first three are checked to answer the same text on every request.
    // Then the prepared card under viewers that change from request to request (all counties
    // without sensitive values, one county with them, two counties without), against the same
    // unprepared: the plan PostgreSQL settles on after five runs has to serve them all.
    const viewers: Viewer[] = [{ scope: null, sensitive: false }, viewer, { scope: [COUNTY_A, '410324'], sensitive: false }]
    const [cardHttp, cardSql, cardPreparedSql, meHttp, mixedSql, mixedPreparedSql] = await compareOps(url, base, headers, codes.map((c, i) => [
      { path: `/api/parcels/${c}`, same: 'card' },
      { query: database.db.parcels.cardQuery(c, viewer), same: 'card' },
      { query: database.db.parcels.cardPrepared(c, viewer), same: 'card' },
      { path: '/api/auth/me' },
      { query: database.db.parcels.cardQuery(c, viewers[i % 3]!), same: 'mixed' },
      { query: database.db.parcels.cardPrepared(c, viewers[i % 3]!), same: 'mixed' },
    ])) as [number[], number[], number[], number[], number[], number[]]

    // windows of 0.01° × 0.006°: about 20 × 12 parcels each; a page of 100 and the count
    const boxes = Array.from({ length: SAMPLES }, () => {
      const x = 112.40 + random() * 0.19
      const y = 34.55 + random() * 0.115
      return `${x.toFixed(5)},${y.toFixed(5)},${(x + 0.01).toFixed(5)},${(y + 0.006).toFixed(5)}`
    })
    const one = JSON.parse(await get(`/api/parcels?bbox=${boxes[0]}&limit=100`)) as { numberMatched: number; numberReturned: number }
    console.log(`a bbox window matches ${one.numberMatched} parcels, a page returns ${one.numberReturned}`)
    const searchOf = (b: string) => ({
      county: null, cluster: null, status: null, kind: null, tokens: null, bbox: bboxOf(b), includeRetired: false, page: pageOf({ limit: 100 }),
    })
    const [searchHttp, searchSql, searchPreparedSql] = await compareOps(url, base, headers, boxes.map((b) => [
      { path: `/api/parcels?bbox=${b}&limit=100`, same: 'page' },
      { query: database.db.parcels.searchQuery(searchOf(b), viewer), same: 'page' },
      { query: database.db.parcels.searchPrepared(searchOf(b), viewer), same: 'page' },
    ])) as [number[], number[], number[]]

    // The floor: what any endpoint that asks the database costs over HTTP here, measured on
    // /api/health/ready (one SELECT 1). Warm: the server idles between requests only as long as a
    // SELECT 1 takes. Cold: it idles as long as during a card query, as the card's server does;
    // a process that has slept ~1.7 ms wakes to cold caches and spends about twice the CPU on the
    // same request (measured: 82 → 143 µs for a hello-world).
    const sleep = (percentile(cardSql, 50) / 1000).toFixed(5)
    const [warmHttp, warmSql] = await compare(url, base, headers, codes.map(() => ({ path: '/api/health/ready', sql: 'SELECT 1', same: false })))
    const [coldHttp] = await compare(url, base, headers, codes.map(() => ({ path: '/api/health/ready', sql: `SELECT 1 FROM pg_sleep(${sleep})`, same: false })))

    // Where the card route's time goes: the server's CPU per request (this process's, the client
    // is another), requests one after the other as in the lines above, three rounds in turn
    for (const c of codes) remembered.set(c, (await database.db.parcels.cardText(c, viewer))!.json)
    const serverCpu = async (paths: string[]) => {
      const before = process.cpuUsage()
      await throughput({ base, headers, items: paths.map((path) => ({ path })), concurrency: 1, phases: ['http'], warm: WARMUP })
      const used = process.cpuUsage(before)
      return (used.user + used.system) / 1000 / (paths.length + WARMUP)
    }
    const cpuOf: Record<'card' | 'memory' | 'me', number[]> = { card: [], memory: [], me: [] }
    for (let round = 0; round < 3; round++) {
      cpuOf.card.push(await serverCpu(codes.map((c) => `/api/parcels/${c}`)))
      cpuOf.memory.push(await serverCpu(codes.map((c) => `/bench/card-from-memory/${c}`)))
      cpuOf.me.push(await serverCpu(codes.map(() => '/api/auth/me')))
    }

    // Throughput at 16 concurrent connections: the server's pool has 16 (as the reference pool)
    const searchItems = boxes.map((b) => ({ path: `/api/parcels?bbox=${b}&limit=100`, sql: database.db.parcels.searchQuery(searchOf(b), viewer) }))
    const repeat = <T>(xs: T[], times: number) => Array.from({ length: times }, () => xs).flat()
    const cardRate = await cpuProfiled('parcels-card-16', () => rates(url, base, headers, repeat(codes.map((c) => ({ path: `/api/parcels/${c}`, sql: database.db.parcels.cardQuery(c, viewer) })), 5), CONCURRENCY))
    const searchRate = await cpuProfiled('parcels-search-16', () => rates(url, base, headers, repeat(searchItems, 3), CONCURRENCY))

    console.log(`\n${SAMPLES} sequential requests each (after ${WARMUP} warm-up), side by side with the same SQL (checked to answer the same text), keep-alive HTTP on 127.0.0.1, client in its own process:`)
    const ok = [
      report('GET /api/parcels/:code', cardHttp, cardSql, 0.8),
      report('GET /api/parcels?bbox (100)', searchHttp, searchSql, 1.3),
    ]
    const ms = (x: number) => `${x.toFixed(2)} ms`
    const p50 = (xs: number[]) => percentile(xs, 50)
    const added = p50(cardHttp) - p50(meHttp) - p50(cardPreparedSql)
    console.log(`card: the prepared statement the server runs, direct ${ms(p50(cardPreparedSql))} (unprepared ${ms(p50(cardSql))}); ` +
      `a do-nothing authenticated route (GET /api/auth/me) ${ms(p50(meHttp))}; what the card route adds over both (p50): ${ms(added)}  ${added <= 0.1 ? 'ok' : 'ABOVE GOAL 0.1 ms'}`)
    ok.push(added <= 0.1)
    const [cpuCard, cpuMemory, cpuMe] = [p50(cpuOf.card), p50(cpuOf.memory), p50(cpuOf.me)]
    console.log(`card: where the route's time goes, server CPU a request (median of 3 rounds of ${SAMPLES} in turn): ${ms(cpuCard)}; ` +
      `GET /api/auth/me ${ms(cpuMe)}; the card's text from memory behind its parameters and access, no database ${ms(cpuMemory)} ` +
      `(its body and parameters ${ms(cpuMemory - cpuMe)}); so its database round trip in the server ${ms(cpuCard - cpuMemory)}`)
    console.log(`card, viewers varying request by request: prepared ${ms(p50(mixedPreparedSql))} vs unprepared ${ms(p50(mixedSql))} (p50; p95 ${ms(percentile(mixedPreparedSql, 95))} vs ${ms(percentile(mixedSql, 95))}).`)
    console.log(`bbox search: the prepared statement the server runs, direct ${ms(p50(searchPreparedSql))} (unprepared ${ms(p50(searchSql))}).`)
    const overhead = (http: number[], direct: number[]) => ms(p50(http) - p50(direct))
    console.log(`What the endpoint adds to its unprepared SQL (p50): card ${overhead(cardHttp, cardSql)}, bbox search ${overhead(searchHttp, searchSql)}.`)
    console.log(`The floor of any endpoint that asks the database (GET /api/health/ready, one SELECT 1 of ${ms(p50(warmSql))} direct): ` +
      `${ms(p50(warmHttp))} with the server warm, ${ms(p50(coldHttp))} with the server idle ${ms(p50(cardSql))} between requests as during a card.`)
    const rate = (name: string, r: { http: number; sql: number; serverMs: number }) => {
      const x = r.http / r.sql
      console.log(`${name.padEnd(28)} ${CONCURRENCY} concurrent: endpoint ${r.http.toFixed(0).padStart(5)} req/s | same SQL through a pg pool of ${CONCURRENCY} ${r.sql.toFixed(0).padStart(5)} req/s | ratio ${x.toFixed(2)}  ${x >= 0.8 ? 'ok' : 'BELOW GOAL 0.8'}` +
        ` (server CPU ${r.serverMs.toFixed(2)} ms a request; load average ${loadavg()})`)
      return x >= 0.8
    }
    console.log('')
    ok.push(rate('GET /api/parcels/:code', cardRate), rate('GET /api/parcels?bbox (100)', searchRate))
    if (!ok.every(Boolean)) console.log('\nNot every goal is met (see the lines above).')
  } finally {
    await closeAll()
  }
}

// `tsx scripts/bench/parcels.ts` runs it alone
if (import.meta.url === `file://${process.argv[1]}`) {
  benchParcels().catch((e) => { console.error(e); process.exit(1) })
}
