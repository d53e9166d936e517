/** The demo data (scripts/demo/) through the alert rules as of its reference date: alerts of every
 * type come out of it (its story run up to today, as the server loads it), several of each; the built change cases come out as the demo says (a
 * change on an idle parcel, outside a cluster, a repeat, construction on unsupplied land — and their
 * near misses); a repeated detection is one alert; and running the rules again adds nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { beijingToday, generateDemo, type DemoCase } from '../../scripts/demo/generate'
import { loadDemo } from '../../scripts/demo/load'
import { ALERT_TYPES } from '../db/repos/alerts'

let t: TestDatabase
/** the demo as the server loads it: its story up to today (scripts/demo/retime.ts) */
const demo = generateDemo({ today: beijingToday() })
const AS_OF = demo.referenceDate
let first: Record<string, number>
/** "period:code" of a change → the alerts whose detections include it. */
const byChange = new Map<string, { type: string; idle: boolean | null; change: string; detections: string[] }[]>()
let counts: Record<string, number>
/** "period:code" of a change → "period:code" of the first detection it is linked to. */
const roots = new Map<string, string>()

beforeAll(async () => {
  t = await createTestDatabase()
  await loadDemo(t.db, demo)
  first = await t.db.one('SELECT analysis.refresh_alerts($1) AS r', [AS_OF], (r) => r.r)
  const rows = await t.db.any(`
    SELECT a.type, (a.reason -> 'measured' ->> 'idle')::boolean AS idle, f.period || ':' || f.code AS change,
           array_agg(r.period || ':' || r.code ORDER BY r.image_after) AS detections
    FROM alert a JOIN rs_change f ON f.id = a.change_id
    JOIN alert_change ac ON ac.alert_id = a.id JOIN rs_change r ON r.id = ac.change_id
    GROUP BY a.id, f.period, f.code`)
  for (const r of rows) {
    for (const d of r.detections as string[]) byChange.set(d, [...(byChange.get(d) ?? []), r])
  }
  for (const r of await t.db.any(`SELECT c.period || ':' || c.code AS change, e.period || ':' || e.code AS root
                                   FROM rs_change c JOIN rs_change e ON e.id = c.linked_to`)) roots.set(r.change, r.root)
  counts = Object.fromEntries((await t.db.any('SELECT type, count(*)::int AS n FROM alert GROUP BY type')).map((r) => [r.type, r.n]))
}, 600_000)
afterAll(async () => t.drop())

const key = (c: DemoCase) => `${c.period}:${c.code}`
const FIRES: Record<string, (c: DemoCase) => boolean> = {
  change_on_idle_parcel: (c) => (byChange.get(key(c)) ?? []).some((a) => a.type === 'construction_on_idle' && a.idle === true),
  change_outside_cluster: (c) => (byChange.get(key(c)) ?? []).some((a) => a.type === 'change_outside_cluster'),
  used_before_supply: (c) => (byChange.get(key(c)) ?? []).some((a) => a.type === 'construction_on_unsupplied'),
  // a repeat: linked to the first detection of the same change
  change_repeated: (c) => roots.has(key(c)) && roots.get(key(c)) !== key(c),
}
const mine = demo.cases.filter((c) => c.subject === 'change' && FIRES[c.classification])

describe(`the demo's alerts as of ${AS_OF}`, () => {
  it('has alerts of every type, several of each', () => {
    for (const type of ALERT_TYPES) expect(counts[type] ?? 0, type).toBeGreaterThanOrEqual(2)
    expect(first.created).toBe(Object.values(counts).reduce((a, b) => a + b, 0))
  })

  it.each(mine.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(FIRES[c.classification]!(c), `${key(c)}: ${c.note}`).toBe(c.expect)
  })

  it('a change detected in several periods is one alert holding every detection', async () => {
    // repeats whose first detection fired too: the alert names the first and lists both
    const pairs = [...roots].filter(([c, r]) => byChange.has(c) && byChange.has(r))
    expect(pairs.length).toBeGreaterThanOrEqual(2)
    for (const [c, r] of pairs) {
      const of = (k: string) => byChange.get(k)!.map((a) => `${a.type}|${a.change}`).sort()
      expect(of(c), c).toEqual(of(r))
      for (const a of byChange.get(c)!) expect(a.detections.indexOf(r), c).toBeLessThan(a.detections.indexOf(c))
    }
    const n = await t.db.one(`SELECT count(*)::int AS n FROM alert a JOIN rs_change r ON r.id = a.change_id WHERE r.linked_to IS NOT NULL
                                AND EXISTS (SELECT 1 FROM alert b WHERE b.change_id = r.linked_to AND b.type = a.type)`, [], (x) => x.n)
    expect(n).toBe(0) // no alert on a repeat when its first detection has one of the same type
  })

  it('running the rules again creates nothing', async () => {
    const again = await t.db.one('SELECT analysis.refresh_alerts($1) AS r', [AS_OF], (r) => r.r)
    expect(again.created).toBe(0)
    expect(again.candidates).toBe(first.candidates)
  })
})
