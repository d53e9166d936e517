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

async function startProcess(url: string): Promise<Proc> {
  const port = await freePort()
  let out = ''
  const child = spawn(process.execPath, [...TSX_IMPORT, path.join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: url, PORT: String(port), LOG_LEVEL: 'warn', ONEMAP_WEB_DIST: '/nonexistent',
      ONEMAP_BACKUP_AT: 'off', ONEMAP_DEMO: 'false', ONEMAP_TOTP_REQUIRED: 'false', ONEMAP_ADMIN_PASSWORD: 'bench-admin-1',
      ONEMAP_REFRESH_MINUTES: '0', ONEMAP_ALERT_SCAN_MINUTES: '0',
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
    console.log('  replica lag under a bulk upload: not measured (this version sends no reads to standbys)')
  } finally {
    for (const p of procs) await stop(p)
    cluster.stop()
  }
}
