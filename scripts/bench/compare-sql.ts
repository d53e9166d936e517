/** What the SQL benchmarks share: a throwaway PostGIS database with the schema, and a fair race of
 * a plain reference SQL against ours on one connection (JIT off for both, alternating order, best
 * of three), timed by wall clock and by the server process's own CPU time — on a machine shared
 * with other work, wall time measures the neighbours too. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import type { ITask } from 'pg-promise'
import { openDatabase } from '../../server/db/connect'
import { type Db, pgp } from '../../server/db/pgp'
import { startPgCluster } from '../../server/test/pg-cluster'

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

/** CPU time (user + system) a backend has used, in ms, from /proc/<pid>/stat (utime and stime are
 * fields 14 and 15, i.e. 12 and 13 after the command name). */
function backendCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
}

export interface Timing { wall: number; cpu: number }

/** Runs `body` on a fresh migrated database in a throwaway cluster, and removes both after. */
export async function withBenchDatabase(name: string, body: (db: Db) => Promise<void>): Promise<void> {
  const cluster = await startPgCluster()
  try {
    const admin = pgp(cluster.url)
    await admin.none('CREATE DATABASE $1:name', [name])
    await admin.$pool.end()
    const database = await openDatabase({ databaseUrl: cluster.urlFor(name), dataDir: '', poolSize: 2 })
    try {
      await body(database.db)
    } finally {
      await database.close()
    }
  } finally {
    cluster.stop()
  }
}

/** Loads benchmark data without the event log and refresh triggers, which are not what is measured. */
export async function buildBenchData(db: Db, buildSql: string, countSql: string): Promise<void> {
  const t0 = performance.now()
  await db.tx(async (t) => {
    await t.none('SET LOCAL session_replication_role = replica')
    await t.none(buildSql)
  })
  await db.none('ANALYZE')
  console.log(`built ${JSON.stringify(await db.one(countSql))} in ${seconds(performance.now() - t0)}`)
}

export interface Race {
  label: string
  reference: { sql: string; table: string }
  ours: { sql: string; table: string; name: string }
  goal: number
  /** Checks on the two result tables, on the same connection, before they are dropped. */
  check?: (t: ITask<unknown>) => Promise<void>
}

/** Each SQL creates its result table; three rounds each, alternating, the best of each printed. */
export async function raceSql(db: Db, race: Race): Promise<void> {
  const times: { ref: Timing[]; mine: Timing[] } = { ref: [], mine: [] }
  await db.task(async (t) => {
    await t.none('SET jit = off')
    const pid = await t.one('SELECT pg_backend_pid() AS pid', [], (r: { pid: number }) => r.pid)
    for (let round = 0; round < 3; round++) {
      const order = round % 2 === 0 ? (['ref', 'mine'] as const) : (['mine', 'ref'] as const)
      for (const key of order) {
        const { sql, table } = key === 'ref' ? race.reference : race.ours
        await t.none('DROP TABLE IF EXISTS $1:name', [table])
        const c0 = backendCpuMs(pid)
        const t0 = performance.now()
        await t.none(sql)
        times[key].push({ wall: performance.now() - t0, cpu: backendCpuMs(pid) - c0 })
      }
    }
    await race.check?.(t)
  })
  const best = (xs: Timing[], k: keyof Timing) => Math.min(...xs.map((x) => x[k]))
  for (const k of ['wall', 'cpu'] as const) {
    const ref = best(times.ref, k)
    const mine = best(times.mine, k)
    console.log(`${race.label} (${k === 'wall' ? 'wall time' : 'server CPU time'}): reference SQL ${seconds(ref)}, ` +
      `${race.ours.name} ${seconds(mine)}, ratio ${(mine / ref).toFixed(2)} (goal ≤ ${race.goal})`)
  }
  const runs = (xs: Timing[]) => xs.map((x) => `${x.wall.toFixed(0)}/${x.cpu.toFixed(0)}`).join(' ')
  console.log(`  runs (wall/cpu ms): reference ${runs(times.ref)}; ${race.ours.name} ${runs(times.mine)}`)
}
