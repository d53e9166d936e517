/** Benchmark of the OGC API – Features (/ogc), over 20,000 generated parcels (with
 * contracts and tax figures) in a throwaway PostgreSQL cluster (deleted afterwards):
 *
 * 1. OneMap: pages of 1000 parcels through GET /ogc/collections/parcels/items as an analyst (the
 *    widest field set: classes, land user, price, tax), walking the next links through all 20
 *    pages, over HTTP with a session token; features per second and the median page time.
 * 2. The same SQL direct: the two statements the route runs for each page (the page as GeoJSON
 *    text, and numberMatched), with the same parameters, by a client of its own. Goal: OneMap's
 *    page time ≤ 1.3× this.
 * 3. MapServer 8 (Debian's cgi-mapserver) serving the same rows (the same SQL expressions, joins
 *    included, as its layer's DATA) from the same PostGIS through its own OGC API, run as CGI (how
 *    Debian ships it; no FastCGI set up here), first pages only: Debian's 8.0.0 ignores `offset`
 *    on PostGIS layers (MapServer #6613, fixed upstream by PR #6617), so its later pages would be
 *    the first one again. Goal: OneMap ≥ 2× its features per second. When mapserv is not
 *    installed this part says so and the rest still runs.
 *
 * Requests are sent one at a time (no concurrency), each timed from send to the last byte. */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { startPgCluster } from '../../server/test/pg-cluster'
import { runNode } from './client-process'
import { openDatabase } from '../../server/db/connect'
import { pgp } from '../../server/db/pgp'
import { sqlLoader } from '../../server/db/sql'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { hashPassword } from '../../server/auth'
import { insertSeedClusters } from '../../server/test/tiles-fixture'
import { attributeSql, joinsFor } from '../../server/tiles/sql'
import { findCollection, fieldsOf } from '../../server/ogc/collections'
import { crsOf, CRS84 } from '../../server/ogc/crs'
import { countQuery, pageQuery, type ItemsRequest } from '../../server/ogc/sql'

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..')
const DATA = sqlLoader(import.meta.url)('tiles-data.sql')

const N = 20_000
const COLUMNS = 200
const GRID = { west: 112.30, south: 34.52, dlon: 100 / 91_620, dlat: 80 / 110_950 }
const PAGE = 1000
const ROUNDS = 5
const MAPSERVER_RUNS = 15

const loadavg = () => os.loadavg().map((l) => l.toFixed(1)).join(' ')
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ms = (x: number) => `${x.toFixed(1)} ms`

function findMapserv(): string | null {
  for (const p of ['/usr/bin/mapserv', '/usr/lib/cgi-bin/mapserv']) if (fs.existsSync(p)) return p
  const which = spawnSync('which', ['mapserv'], { encoding: 'utf8' })
  return which.status === 0 ? which.stdout.trim() : null
}

/** One CGI request to mapserv: the time until it exits, and its body (after the CGI headers). */
function mapservRequest(bin: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; body: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(bin, [], { env })
    const chunks: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => chunks.push(c))
    child.on('error', reject)
    child.on('close', (code) => {
      const took = performance.now() - t0
      const text = Buffer.concat(chunks).toString('utf8')
      const body = text.slice(text.indexOf('\r\n\r\n') >= 0 ? text.indexOf('\r\n\r\n') + 4 : text.indexOf('\n\n') + 2)
      if (code !== 0) reject(new Error(`mapserv exited ${code}: ${text.slice(0, 300)}`))
      else resolve({ ms: took, body })
    })
  })
}

/** One client process times both sides page by page, alternating which goes first: the route's
 * two statements as text on a connection of its own (pg-promise sends them so, formatted), and the
 * page over one keep-alive HTTP connection (node:http, read to the last byte, not parsed). Load
 * from elsewhere on the machine then falls on both alike. */
const PAIRED_CLIENT = `
import pg from 'pg'
import nodeHttp from 'node:http'
let input = ''
for await (const chunk of process.stdin) input += chunk
const { url, base, headers, pages, rounds } = JSON.parse(input)
const client = new pg.Client({ connectionString: url })
await client.connect()
const sql = async (texts) => { for (const t of texts) await client.query(t) }
const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 1 })
let bytes = 0
const http = (path) => new Promise((resolve, reject) => {
  nodeHttp.get(base + path, { headers, agent }, (res) => {
    let n = 0
    res.on('data', (c) => { n += c.length })
    res.on('error', reject)
    res.on('end', () => {
      if (res.statusCode !== 200) { console.error(path, res.statusCode); process.exit(1) }
      bytes = n
      resolve()
    })
  }).on('error', reject)
})
const timeIt = async (f) => { const t0 = performance.now(); await f(); return performance.now() - t0 }
for (const p of pages) { await sql(p.sql); await http(p.path) }
const out = { sql: [], http: [], bytes: 0 }
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < pages.length; i++) {
    const p = pages[i]
    if ((r + i) % 2 === 0) { out.sql.push(await timeIt(() => sql(p.sql))); out.http.push(await timeIt(() => http(p.path))) }
    else { out.http.push(await timeIt(() => http(p.path))); out.sql.push(await timeIt(() => sql(p.sql))) }
  }
}
out.bytes = bytes
await client.end()
agent.destroy()
console.log(JSON.stringify(out))
`


/** node:http over one keep-alive connection (the counterpart of node-postgres on the SQL side;
 * fetch costs the client more), the body kept as bytes until the clock stops. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    }).on('error', reject)
  })
}

export async function benchOgc(): Promise<void> {
  const cluster = await startPgCluster()
  const admin = pgp(cluster.url)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-ogc-bench-'))
  let closeAll = async () => {
    cluster.stop()
    fs.rmSync(work, { recursive: true, force: true })
  }
  try {
    await admin.none('CREATE DATABASE onemap_ogc_bench')
    await admin.$pool.end()
    const url = cluster.urlFor('onemap_ogc_bench')
    const database = await openDatabase({ databaseUrl: url, dataDir: '' })
    await insertSeedClusters(database.db, path.join(ROOT, 'fixtures', 'luoyang-clusters.json'))
    await database.db.tx((t) => t.none(DATA, { n: N, columns: COLUMNS, ...GRID }))
    const app = await buildApp({ config: loadConfig({ ONEMAP_DEMO: 'false', ONEMAP_WEB_DIST: '/nonexistent', ONEMAP_REFRESH_MINUTES: '0', ONEMAP_BACKUP_AT: 'off' }), database })
    closeAll = async () => {
      await app.close()
      await database.close()
      cluster.stop()
      fs.rmSync(work, { recursive: true, force: true })
    }
    await database.db.users.create({ username: 'bench', display_name: 'bench', role: 'analyst', county_scope: null, password_hash: await hashPassword('bench-pass-1') })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-pass-1' }) })
    const headers = { authorization: `Bearer ${(await login.json() as { token: string }).token}` }
    console.log(`${N} parcels (every fifth with a contract and tax figures); pages of ${PAGE}; load ${loadavg()}`)

    // the pages of a walk: the SQL of each (the route's two statements, formatted as pg-promise
    // sends them) and its address (the cursor of the next link), found by walking the SQL once
    const c = findCollection('parcels')!
    const asker = { role: 'analyst' as const, scope: null }
    const attrs = fieldsOf(c, asker, app.config.sensitiveRoles)
    const available = new Set(['analysis.parcel_status'])
    const pages: { path: string; sql: string[] }[] = []
    let after: string | null = null
    let walked = 0
    for (;;) {
      const r: ItemsRequest = { scope: null, crs: crsOf(CRS84)!, bbox: null, limit: PAGE, offset: 0, after, filter: null }
      const page = pageQuery(c, attrs, available, r)
      const count = countQuery(c, available, r)
      pages.push({
        path: `/ogc/collections/parcels/items?limit=${PAGE}${after === null ? '' : `&cursor=${Buffer.from(after, 'utf8').toString('base64url')}`}`,
        sql: [pgp.as.format(page.text, page.values), pgp.as.format(count.text, count.values)],
      })
      const row: { more: boolean; n: number; last: string } = await database.db.one(page.text, page.values)
      walked += row.n
      if (!row.more) break
      after = row.last
    }
    if (walked !== N) throw new Error(`the SQL walk gave ${walked} parcels, expected ${N}`)
    // OneMap's own next links lead to the same addresses
    const first = await get(`${base}${pages[0]!.path}`, headers)
    const firstPage = JSON.parse(first.body.toString('utf8')) as { features: unknown[]; numberMatched: number; links: { rel: string; href: string }[] }
    if (firstPage.features.length !== PAGE || firstPage.numberMatched !== N) throw new Error(`OneMap's first page: ${first.body.toString('utf8').slice(0, 300)}`)
    const nextHref = firstPage.links.find((l) => l.rel === 'next')!.href
    if (!nextHref.endsWith(pages[1]!.path.slice(pages[1]!.path.indexOf('?')))) throw new Error(`next link ${nextHref} differs from ${pages[1]!.path}`)
    agent.destroy()

    // 1. and 2., page by page in a client process of its own, alternating which goes first
    const timed = await runNode<{ sql: number[]; http: number[]; bytes: number }>(['--input-type=module', '-e', PAIRED_CLIENT], {
      url, base, headers, pages, rounds: ROUNDS,
    })
    const onemapMedian = median(timed.http)
    const directMedian = median(timed.sql)
    const onemapFps = (PAGE / onemapMedian) * 1000
    console.log(`OneMap /ogc items:   median page ${ms(onemapMedian)} (${timed.http.length} pages timed, ${(timed.bytes / 1e6).toFixed(2)} MB a page) → ${Math.round(onemapFps)} features/s`)
    console.log(`same SQL direct:     median page ${ms(directMedian)} (${timed.sql.length} pages timed)`)
    console.log(`ratio OneMap / SQL page time: ${(onemapMedian / directMedian).toFixed(2)} (goal ≤ 1.3)`)
    const features = walked

    // 3. MapServer 8 through its own OGC API, the same rows from the same database
    const mapserv = findMapserv()
    if (!mapserv) {
      console.log('MapServer: NOT MEASURED — mapserv is not installed (apt-get install cgi-mapserver mapserver-bin)')
    } else {
      const version = spawnSync(mapserv, ['-v'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ')
      const u = new URL(url)
      const socketDir = u.searchParams.get('host')!
      const port = u.searchParams.get('port')!
      // the OGC route's own expressions and joins, as one line of MapServer's DATA (no double quotes)
      const columns = attrs.map((a) => `${attributeSql(a, available)} AS ${a.name}`).join(', ')
      const joins = joinsFor(c, attrs, available).join(' ')
      const sub = `SELECT p.id, ${columns}, p.geom FROM parcel p ${joins} WHERE ${c.where}`.replace(/\s+/g, ' ')
      if (sub.includes('"')) throw new Error('the layer SQL holds a double quote, which a mapfile string cannot')
      const mapfile = path.join(work, 'onemap.map')
      const config = path.join(work, 'mapserver.conf')
      fs.writeFileSync(config, `CONFIG\n  ENV\n    MS_MAP_PATTERN "^${work}/"\n  END\n  MAPS\n    ONEMAP "${mapfile}"\n  END\nEND\n`)
      fs.writeFileSync(mapfile, `MAP
  NAME "onemap"
  EXTENT 73 3 136 54
  PROJECTION "init=epsg:4490" END
  WEB
    METADATA
      "oga_enable_request" "*"
      "oga_title" "OneMap (MapServer benchmark peer)"
      "oga_onlineresource" "http://127.0.0.1/cgi-bin/mapserv/onemap/ogcapi"
      "oga_max_limit" "10000"
      "oga_default_limit" "100"
    END
  END
  LAYER
    NAME "parcels"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "host=${socketDir} port=${port} dbname=onemap_ogc_bench user=postgres"
    DATA "geom FROM (${sub}) AS t USING UNIQUE id USING SRID=4490"
    PROJECTION "init=epsg:4490" END
    METADATA
      "oga_title" "parcels"
      "gml_include_items" "all"
      "gml_featureid" "id"
      "gml_types" "auto"
      "oga_featureid" "id"
    END
    TEMPLATE "ttt"
  END
END
`)
      const env = {
        PATH: process.env.PATH, MAPSERVER_CONFIG_FILE: config, REQUEST_METHOD: 'GET',
        PATH_INFO: '/onemap/ogcapi/collections/parcels/items', QUERY_STRING: `f=json&limit=${PAGE}`,
        SERVER_NAME: '127.0.0.1', SERVER_PORT: '80', SCRIPT_NAME: '/cgi-bin/mapserv',
      }
      const times: number[] = []
      for (let i = 0; i <= MAPSERVER_RUNS; i++) {
        const r = await mapservRequest(mapserv, env)
        const page = JSON.parse(r.body) as { features?: unknown[]; numberMatched?: number }
        if (page.features?.length !== PAGE) throw new Error(`MapServer gave ${page.features?.length} features: ${r.body.slice(0, 300)}`)
        if (i > 0) times.push(r.ms)
      }
      const msMedian = median(times)
      const msFps = (PAGE / msMedian) * 1000
      console.log(`MapServer (${version}), CGI, first pages only (8.0.0 ignores offset on PostGIS, #6613): median page ${ms(msMedian)} (${times.length} runs, process start included) → ${Math.round(msFps)} features/s`)
      console.log(`ratio OneMap / MapServer features/s: ${(onemapFps / msFps).toFixed(2)} (goal ≥ 2)`)
    }
    console.log(`(${features} parcels per walk; load after: ${loadavg()})`)
  } finally {
    agent.destroy()
    await closeAll()
  }
}
