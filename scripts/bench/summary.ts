/** The dashboard summary (goal ≤ 1 s at 1M parcels / 50 000 batches), measured after the full
 * recompute of a generated world (scripts/bench/province.ts): analysis.summary reading the 批而未供
 * remainders stored at the baseline date and at the end of the previous year
 * (analysis.unsupplied_past), against the baseline of the same run, the same summary with nothing
 * stored, which overlays again every batch whose supplied cover changed since those dates (as the
 * summary did before the store). Both must give the same JSON, byte for byte. Also what the store
 * of one batch costs (a part of each keyed refresh of a batch); the full store is the recompute's
 * follow-on step, timed by the caller. */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import type { Db } from '../../server/db/pgp'
import { seconds } from './compare-sql'

const loadavg = () => os.loadavg().map((l) => l.toFixed(1)).join(' ')
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ROLLBACK = new Error('rollback')

export async function benchDashboardSummary(db: Db, asOf: string): Promise<void> {
  const summary = (q: Pick<Db, 'one'>) => q.one('SELECT analysis.summary($1)::text AS j', [asOf], (r: { j: string }) => r.j)
  const stored: number[] = []
  let storedJson = ''
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now()
    storedJson = await summary(db)
    stored.push(performance.now() - t0)
  }
  // The baseline: the dates unlisted (rolled back), so the summary overlays the changed batches live.
  let liveJson = ''
  let liveMs = 0
  await db.tx(async (t) => {
    await t.none('DELETE FROM analysis.unsupplied_past_date')
    const t0 = performance.now()
    liveJson = await summary(t)
    liveMs = performance.now() - t0
    throw ROLLBACK
  }).catch((e: unknown) => { if (e !== ROLLBACK) throw e })
  if (liveJson !== storedJson) throw new Error('the summary from the stored past remainders differs from the live overlay')
  const dates = await db.map('SELECT since::text AS d FROM analysis.unsupplied_past_date ORDER BY since', [], (r: { d: string }) => r.d)
  const p50 = median(stored)
  console.log(`dashboard summary (analysis.summary, past remainders stored at ${dates.join(', ')}): p50 ${seconds(p50)} ` +
    `(${stored.map((x) => seconds(x)).join(', ')}) | live overlay of the changed batches, same run ${seconds(liveMs)}: ` +
    `${(liveMs / p50).toFixed(1)}× faster, same JSON  ${p50 <= 1000 ? 'ok' : 'ABOVE GOAL 1 s'} (load average ${loadavg()})`)

  let t0 = 0
  const ids = await db.map('SELECT id FROM approval_batch WHERE id % 97 = 5 ORDER BY id LIMIT 20', [], (r: { id: number }) => r.id)
  // on one connection, as a server's pooled connection runs it: past the first custom plans
  const one: number[] = []
  await db.task(async (c) => {
    for (const id of ids) {
      t0 = performance.now()
      await c.tx((t) => t.one('SELECT analysis.store_unsupplied_past($1, ARRAY[$2::bigint]) AS n', [asOf, id]))
      one.push(performance.now() - t0)
    }
  })
  console.log(`  storing one batch's at every stored date: median ${median(one).toFixed(1)} ms over ${one.length} on one connection (a part of its keyed refresh)`)
}
