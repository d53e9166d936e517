/** Scale-out benchmark: parcel-card and tile throughput of one OneMap process against two over the
 * same primary (server/main.ts in child processes, real HTTP, requests spread round robin as a
 * load balancer would), 16 concurrent keep-alive connections from a client process of its own.
 * The baseline is the one process, measured in the same run; the ratio is two ÷ one. On a 2-core
 * machine the client, the processes and PostgreSQL share the same two cores, so the ratio says
 * what a second process costs or gains here, not what a second machine would give.
 * Runs in a throwaway PostgreSQL cluster (server/test/pg-cluster.ts), deleted afterwards. */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startPgCluster, freePort } from '../../server/test/pg-cluster'
import { openDatabase } from '../../server/db/connect'
import { pgp } from '../../server/db/pgp'
import { hashPassword } from '../../server/auth'
import { seedPlaces } from '../../server/test/land'
import { runNode } from './client-process'
import { startReplicatedPair } from '../../server/test/pg-replication'
import { ReadReplicas } from '../../server/db/replicas'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const TSX_IMPORT = ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href]
const N = 20_000
const COLUMNS = 200 // parcels per row; cell 0.0005°, parcel 0.0004°, from 112.35, 34.52
const REQUESTS = 3_000
const CONCURRENCY = 16
const PASSWORD = 'bench-password-1'

/** Sends the URLs (each to the base of its turn), CONCURRENCY at a time over keep-alive agents. */
const CLIENT = `
import http from 'node:http'
let input = ''
for await (const c of process.stdin) input += c
const { bases, paths, headers, concurrency } = JSON.parse(input)
const agents = bases.map(() => new http.Agent({ keepAlive: true, maxSockets: concurrency }))
const get = (i) => new Promise((resolve, reject) => {
  const b = i % bases.length
  const req = http.get(bases[b] + paths[i], { agent: agents[b], headers }, (res) => {
    res.resume()
    res.on('end', () => (res.statusCode === 200 || res.statusCode === 204 ? resolve() : reject(new Error(paths[i] + ' ' + res.statusCode))))
  })
  req.on('error', reject)
})
// warm-up: each base's connections and the plans of its pool
await Promise.all(paths.slice(0, concurrency * 2).map((_, i) => get(i)))
let next = 0
const t0 = performance.now()
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < paths.length) await get(next++)
}))
const seconds = (performance.now() - t0) / 1000
console.log(JSON.stringify({ perSecond: paths.length / seconds }))
`

interface Proc { child: ChildProcess; base: string }

async function startProcess(url: string, extra: Record<string, string> = {}): Promise<Proc> {
  const port = await freePort()
  let out = ''
  const child = spawn(process.execPath, [...TSX_IMPORT, path.join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: url, PORT: String(port), LOG_LEVEL: 'warn', ONEMAP_WEB_DIST: '/nonexistent',
      ONEMAP_BACKUP_AT: 'off', ONEMAP_DEMO: 'false', ONEMAP_TOTP_REQUIRED: 'false', ONEMAP_ADMIN_PASSWORD: 'bench-admin-1',
      ONEMAP_REFRESH_MINUTES: '0', ONEMAP_ALERT_SCAN_MINUTES: '0', ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const base = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`OneMap exited ${child.exitCode}: ${out}`)
    try {
      if ((await fetch(`${base}/api/health`)).ok) return { child, base }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function stop(p: Proc): Promise<void> {
  p.child.kill('SIGTERM')
  await new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)))
}

function lcg(seed: number) {
  let s = seed
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
}

function tileOf(lon: number, lat: number, z: number): string {
  const n = 2 ** z
  const x = Math.floor(((lon + 180) / 360) * n)
  const r = (lat * Math.PI) / 180
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)
  return `${z}/${x}/${y}`
}

export async function benchScaleOut(): Promise<void> {
  const cluster = await startPgCluster()
  const url = cluster.urlFor('onemap_bench')
  const procs: Proc[] = []
  try {
    const admin = pgp(cluster.url)
    await admin.none('CREATE DATABASE onemap_bench')
    await admin.$pool.end()
    const database = await openDatabase({ databaseUrl: url, dataDir: '' })
    const db = database.db
    await seedPlaces(db)
    await db.none(`INSERT INTO parcel (code, county_code, cluster_code, land_use, geom)
      SELECT 'B' || lpad(i::text, 6, '0'), '410311', 'luolong', '工业用地',
             ST_Multi(ST_MakeEnvelope(112.35 + (i % $2) * 0.0005, 34.52 + (i / $2) * 0.0005,
                                      112.35 + (i % $2) * 0.0005 + 0.0004, 34.52 + (i / $2) * 0.0005 + 0.0004, 4490))
        FROM generate_series(0, $1 - 1) i`, [N, COLUMNS])
    await db.none('ANALYZE')
    await db.users.create({ username: 'bench', display_name: 'bench', role: 'analyst', county_scope: null, password_hash: await hashPassword(PASSWORD) })
    await database.close()

    const random = lcg(7)
    const cards = Array.from({ length: REQUESTS }, () => `/api/parcels/B${String(Math.floor(random() * N)).padStart(6, '0')}`)
    // the z16 tiles over the grid (the parcel layer's deepest zoom), in random order: each process
    // encodes each once and serves it from its cache after, as a map's popular tiles are
    const rows = Math.ceil(N / COLUMNS)
    const tileSet = new Set<string>()
    for (let i = 0; i < REQUESTS * 20; i++) {
      tileSet.add(tileOf(112.35 + random() * COLUMNS * 0.0005, 34.52 + random() * rows * 0.0005, 16))
    }
    const distinct = [...tileSet]
    const tiles = Array.from({ length: REQUESTS }, (_, i) => `/tiles/parcels/${i < distinct.length ? distinct[i] : distinct[Math.floor(random() * distinct.length)]}.mvt`)

    const measure = async (bases: string[], paths: string[]): Promise<number> => {
      const login = await fetch(`${bases[0]}/api/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: PASSWORD }),
      })
      const headers = { authorization: `Bearer ${(await login.json()).token}` }
      const r = await runNode<{ perSecond: number }>(['--input-type=module', '-e', CLIENT], { bases, paths, headers, concurrency: CONCURRENCY })
      return r.perSecond
    }

    procs.push(await startProcess(url))
    const oneCards = await measure([procs[0]!.base], cards)
    const oneTiles = await measure([procs[0]!.base], tiles)
    await stop(procs.pop()!)
    procs.push(await startProcess(url), await startProcess(url))
    const bases = procs.map((p) => p.base)
    const twoCards = await measure(bases, cards)
    const twoTiles = await measure(bases, tiles) // the same tiles, cold in the new processes' caches
    console.log(`scale-out over one primary, ${N} parcels, ${CONCURRENCY} concurrent connections, ${REQUESTS} requests each (tiles: ${distinct.length} distinct z16 tiles, each encoded once per process, then from its cache), 2 cores shared by client, processes and PostgreSQL:`)
    console.log(`  card:  1 process ${oneCards.toFixed(0)} req/s (baseline); 2 processes ${twoCards.toFixed(0)} req/s = ${(twoCards / oneCards).toFixed(2)} × baseline`)
    console.log(`  tiles: 1 process ${oneTiles.toFixed(0)} req/s (baseline); 2 processes ${twoTiles.toFixed(0)} req/s = ${(twoTiles / oneTiles).toFixed(2)} × baseline`)
  } finally {
    for (const p of procs) await stop(p)
    cluster.stop()
  }
  await benchReplicaLag()
}

const UPLOAD_PARCELS = Number(process.env.BENCH_LAG_PARCELS ?? 20_000)

/** Replica lag under a bulk upload: a primary and a streaming standby (server/test/pg-replication.ts,
 * pg_basebackup -R), one OneMap process; a GeoJSON of UPLOAD_PARCELS parcels uploaded, checked and
 * committed through its API while the standby's lag is sampled as OneMap's own checks compute it
 * (server/db/replicas.ts, every 25 ms). The baseline is the commit's own time in the same run. */
export async function benchReplicaLag(): Promise<void> {
  const pair = await startReplicatedPair()
  let proc: Proc | null = null
  let replicas: ReadReplicas | null = null
  try {
    const admin = pgp(pair.primary.urlFor('postgres'))
    await admin.none('CREATE DATABASE onemap_bench')
    await admin.$pool.end()
    const database = await openDatabase({ databaseUrl: pair.primary.urlFor('onemap_bench'), dataDir: '' })
    await seedPlaces(database.db)
    await database.db.users.create({ username: 'bench', display_name: 'bench', role: 'admin', county_scope: null, password_hash: await hashPassword(PASSWORD) })
    const standby = await pair.makeStandby()
    replicas = new ReadReplicas(database.db, { urls: [standby.urlFor('onemap_bench')], waitMs: 0, maxLagMs: 3_600_000, checkMs: 25 })
    await replicas.start()
    proc = await startProcess(pair.primary.urlFor('onemap_bench'))
    const login = await fetch(`${proc.base}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: PASSWORD }),
    })
    const headers = { authorization: `Bearer ${(await login.json()).token}` }
    const rows = Array.from({ length: UPLOAD_PARCELS }, (_, i) => ({ 宗地编号: `LAG-${String(i).padStart(6, '0')}`, 土地用途: '工业用地' }))
    // squares of 0.001° on a grid 100 wide, 0.002° apart, as the ingest tests' grid placement
    // the card bench's grid (COLUMNS wide, cells of 0.0005°, parcels of 0.0004°), in 洛龙区
    const features = rows.map((properties, i) => {
      const [x, y] = [112.35 + (i % COLUMNS) * 0.0005, 34.52 + Math.floor(i / COLUMNS) * 0.0005]
      return { type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: [[[x, y], [x + 0.0004, y], [x + 0.0004, y + 0.0004], [x, y + 0.0004], [x, y]]] } }
    })
    const form = () => {
      const f = new FormData()
      f.append('layer', 'parcels')
      f.append('file', new Blob([JSON.stringify({ type: 'FeatureCollection', features })], { type: 'application/geo+json' }), 'bulk.geojson')
      return f
    }

    let maxMs = 0
    let maxBytes = 0
    const sampler = setInterval(() => {
      const s = replicas!.health()[1]!
      maxMs = Math.max(maxMs, s.lagMs ?? 0)
      maxBytes = Math.max(maxBytes, s.lagBytes ?? 0)
    }, 25)
    const statusOf = async (id: string) => (await (await fetch(`${proc!.base}/api/uploads/${id}`, { headers })).json()).status as string
    const t0 = performance.now()
    const created = await fetch(`${proc.base}/api/uploads`, { method: 'POST', headers, body: form() })
    if (created.status !== 201) throw new Error(`upload: ${created.status} ${await created.text()}`)
    const { id } = await created.json()
    for (let st = await statusOf(id); st !== 'ready'; st = await statusOf(id)) {
      if (st === 'failed') throw new Error('the upload failed its checks')
      await new Promise((r) => setTimeout(r, 100))
    }
    const t1 = performance.now()
    // the seeded places are some of Luoyang's counties: features in the others are left out
    const commit = await fetch(`${proc.base}/api/uploads/${id}/commit`, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ acceptWarnings: true, skipRejected: true }),
    })
    if (commit.status >= 300) throw new Error(`commit: ${commit.status} ${await commit.text()}`)
    for (let st = await statusOf(id); st !== 'committed'; st = await statusOf(id)) {
      if (st === 'failed') throw new Error('the commit failed')
      await new Promise((r) => setTimeout(r, 50))
    }
    const t2 = performance.now()
    // until the standby has replayed everything the primary has now
    const target = await database.db.one('SELECT pg_current_wal_insert_lsn()::text AS l', [], (r: { l: string }) => r.l)
    const sdb = pgp(standby.urlFor('onemap_bench'))
    while (!(await sdb.one('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [target])).ok) await new Promise((r) => setTimeout(r, 10))
    const t3 = performance.now()
    clearInterval(sampler)
    await sdb.$pool.end()
    const n = await database.db.one("SELECT count(*)::int AS n FROM parcel WHERE code LIKE 'LAG-%'", [], (r: { n: number }) => r.n)
    await database.close()
    const commitMs = t2 - t1
    console.log(`replica lag under a bulk upload (${n} parcels committed of ${UPLOAD_PARCELS}, GeoJSON through the API, one process, a streaming standby on the same 2 cores):`)
    console.log(`  upload + checks ${((t1 - t0) / 1000).toFixed(1)} s; commit ${(commitMs / 1000).toFixed(1)} s (baseline)`)
    console.log(`  standby lag at most ${maxMs.toFixed(0)} ms = ${(maxMs / commitMs).toFixed(2)} × the commit, ${(maxBytes / 2 ** 20).toFixed(1)} MB of WAL behind; replayed everything ${(t3 - t2).toFixed(0)} ms after the commit answered`)
  } finally {
    if (proc) await stop(proc)
    await replicas?.close()
    pair.stop()
  }
}
