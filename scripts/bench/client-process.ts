/** A bench's timing client in a node process of its own, so the server's event loop and the
 * client's do not share a thread (the tiles, parcels and OGC benches all time this way). */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Runs a client script in a node process of its own, its input on stdin; returns what it prints. */
export function runNode<T>(args: string[], input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`benchmark client failed (${code}): ${err}`))))
    child.stdin.end(JSON.stringify(input))
  })
}

/** The p-th percentile of a list of times (NaN when empty). */
export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}

/** A query as node-postgres takes it: plain SQL text, or a named prepared statement with values. */
export type BenchQuery = string | { name: string; text: string; values: unknown[] }

/** One request of a throughput line: the endpoint's path and (for 'sql' phases) the same work as SQL. */
export interface ThroughputItem { path: string; query?: BenchQuery }

export interface ThroughputOptions {
  /** The database of the SQL side (a `pg` pool of `concurrency` connections); only with 'sql' phases. */
  url?: string
  /** The server, e.g. http://127.0.0.1:port, and the headers of every request (the token). */
  base: string
  headers: Record<string, string>
  items: ThroughputItem[]
  concurrency: number
  /** The phases timed in this order: 'http' asks the endpoint for every item once, through an
   * HTTP agent of `concurrency` keep-alive sockets; 'sql' runs every item's query once through
   * the pool. HTTP-only phases need no database and no queries. */
  phases: ('http' | 'sql')[]
  /** Untimed first: each side the phases use, once over the first `warm` items (connections,
   * statements, pages). */
  warm?: number
  /** HTTP statuses taken as an answer (default 200 only). */
  statuses?: number[]
}

/** What a phase measured: requests per second over the phase, and each request's time (ms, from
 * sending it to its last byte), in the order they ended. */
export interface PhaseResult { rate: number; times: number[] }

/** The timing loop of every throughput line: `concurrency` workers take the next item of the list
 * until none is left, each waiting for its answer before taking another (a closed loop, as that
 * many users or map tabs would). An SQL answer must have one row. */
const THROUGHPUT_CLIENT = `
import http from 'node:http'
import pg from 'pg'
let input = ''
for await (const chunk of process.stdin) input += chunk
const { url, base, headers, items, concurrency, phases, warm, statuses } = JSON.parse(input)
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
const get = (item) => new Promise((resolve, reject) => {
  http.get(base + item.path, { headers, agent }, (res) => {
    res.resume()
    res.on('end', () => statuses.includes(res.statusCode) ? resolve() : reject(new Error(item.path + ' ' + res.statusCode)))
  }).on('error', reject)
})
const pool = phases.includes('sql') ? new pg.Pool({ connectionString: url, max: concurrency }) : null
const sql = async (item) => {
  const r = await pool.query(item.query)
  if (r.rows.length !== 1) throw new Error('no row for ' + JSON.stringify(item.query).slice(0, 200))
}
const drive = async (f, list) => {
  let next = 0
  const times = []
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < list.length) {
      const item = list[next++]
      const s = performance.now()
      await f(item)
      times.push(performance.now() - s)
    }
  }))
  return { rate: list.length / ((performance.now() - t0) / 1000), times }
}
if (warm) {
  if (phases.includes('http')) await drive(get, items.slice(0, warm))
  if (pool) await drive(sql, items.slice(0, warm))
}
const out = []
for (const p of phases) out.push(await drive(p === 'http' ? get : sql, items))
await pool?.end()
agent.destroy()
console.log(JSON.stringify(out))
`

/** Each phase's rate and request times, in the order of `phases`, timed from a process of its own. */
export function throughput(o: ThroughputOptions): Promise<PhaseResult[]> {
  if (o.phases.includes('sql') && (!o.url || o.items.some((x) => x.query === undefined))) {
    throw new Error('an sql phase needs the database url and a query for every item')
  }
  return runNode<PhaseResult[]>(['--input-type=module', '-e', THROUGHPUT_CLIENT], {
    url: o.url, base: o.base, headers: o.headers, items: o.items, concurrency: o.concurrency,
    phases: o.phases, warm: o.warm ?? 0, statuses: o.statuses ?? [200],
  })
}

/** With BENCH_CPU_PROFILE=<folder>, the CPU profile of this process (the server's, in the benches
 * that host it) while `f` runs, written to <folder>/<name>.cpuprofile (open it in Chrome's
 * DevTools, or sum its self time by function); without it, just `f`. */
export async function cpuProfiled<T>(name: string, f: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE
  if (!dir) return f()
  const { Session } = await import('node:inspector/promises')
  const fs = await import('node:fs')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
  try {
    return await f()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile))
    session.disconnect()
  }
}
