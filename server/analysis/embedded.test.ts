/** The analysis readers on the embedded database (PGlite: PostgreSQL 18, PostGIS 3.6), which
 * `npm start` uses by default, answer as on PostgreSQL 15 / PostGIS 3.3 for the same demo data:
 * from the snapshot, while a deferred bulk write is queued (snapshot rows plus the stale keys
 * computed live, planned by EXECUTE), once it is worked off, and for a past date (all live). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IDatabase } from 'pg-promise'
import type { Database } from '../db/connect'
import type { TestDatabase } from '../test/db'
import { openEmbeddedPair, type EmbeddedPair } from '../test/embedded-pair'
import { generateDemo, REFERENCE_DATE } from '../../scripts/demo/generate'
import { loadDemo } from '../../scripts/demo/load'

let pair: EmbeddedPair
let embedded: Database
let server: TestDatabase

beforeAll(async () => {
  pair = await openEmbeddedPair('onemap-pglite-analysis-')
  ;({ embedded, server } = pair)
  const data = generateDemo({ parcels: 300, batches: 30, changes: 60 })
  for (const db of [embedded.db, server.db]) {
    await loadDemo(db, data)
    await db.one('SELECT analysis.refresh_all($1)', [REFERENCE_DATE])
  }
}, 300_000)

afterAll(async () => pair?.close())

/** Every reader's whole-city answer at a date, keyed by business codes (ids differ between the two
 * databases only if loading did; areas to 0.01 m²), and the summary. */
async function answers(db: IDatabase<unknown>, asOf: string): Promise<unknown> {
  return db.tx(async (t) => {
    await t.none('SET LOCAL jit = off')
    return t.one(`SELECT
      (SELECT json_agg(x ORDER BY x.code, x.rule) FROM (
         SELECT p.code, f.rule, f.classification, f.inefficient_type, f.stage, f.suspended, round(f.area_m2, 2)::text AS area
           FROM analysis.findings_at($1) f JOIN parcel p ON p.id = f.parcel_id) x) AS findings,
      (SELECT json_agg(x ORDER BY x.approval_no) FROM (
         SELECT u.approval_no, round(u.remainder_m2, 2)::text AS remainder, u.sliver_count FROM analysis.unsupplied_at($1) u) x) AS unsupplied,
      (SELECT json_agg(x ORDER BY x.code) FROM (
         SELECT r.period || ':' || r.code AS code, round(c.area_m2, 2)::text AS area
           FROM analysis.used_before_supply_changes_at($1) c JOIN rs_change r ON r.id = c.change_id) x) AS changes,
      (SELECT count(*)::int FROM analysis.pending_parcel) AS pending`, [asOf])
  })
}

describe('analysis readers on the embedded database', () => {
  it('answer as on PostgreSQL 15 from the snapshot, while a bulk write is queued, once it is worked off, and for a past date', async () => {
    const both = async (asOf: string) => {
      const [e, s] = await Promise.all([answers(embedded.db, asOf), answers(server.db, asOf)])
      expect(e).toEqual(s)
      return s as { findings: unknown[] | null; unsupplied: unknown[] | null; pending: number }
    }
    const before = await both(REFERENCE_DATE)
    expect(before.findings?.length).toBeGreaterThan(10)
    expect(before.unsupplied?.length).toBeGreaterThan(3)

    // every third parcel's shape shrinks, in a write that defers its refresh (as a large upload does)
    for (const db of [embedded.db, server.db]) {
      await db.tx(async (t) => {
        await t.none(`SET LOCAL onemap.analysis = 'deferred'`)
        await t.none(`UPDATE parcel SET geom = ST_Multi(ST_Buffer(geom, -0.00002, 1)) WHERE id % 3 = 0 AND NOT ST_IsEmpty(ST_Buffer(geom, -0.00002, 1))`)
      })
    }
    const queued = await both(REFERENCE_DATE)
    expect(queued.pending).toBeGreaterThan(50)
    expect(queued).not.toEqual(before) // the shapes changed the answers

    for (const db of [embedded.db, server.db]) {
      for (let n = 1; n > 0;) n = await db.one('SELECT analysis.process_pending(40) AS n', [], (r: { n: number }) => r.n)
    }
    const caughtUp = await both(REFERENCE_DATE)
    expect(caughtUp).toEqual({ ...queued, pending: 0 })

    // a past date is computed live (through EXECUTE) on both
    const past = await both('2023-12-31')
    expect(past.findings?.length).toBeGreaterThan(0)
  })
})
