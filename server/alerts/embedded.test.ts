/** The alert rules on the embedded database (PGlite: PostgreSQL 18, PostGIS 3.6), which `npm start`
 * uses by default, give the same alerts as on PostgreSQL 15 / PostGIS 3.3 for the same demo data:
 * same types, subjects, overlap areas (to 0.01 m²) and shares. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../db/connect'
import type { TestDatabase } from '../test/db'
import { openEmbeddedPair, type EmbeddedPair } from '../test/embedded-pair'
import { generateDemo, REFERENCE_DATE } from '../../scripts/demo/generate'
import { loadDemo } from '../../scripts/demo/load'

let pair: EmbeddedPair
let embedded: Database
let server: TestDatabase

beforeAll(async () => {
  pair = await openEmbeddedPair('onemap-pglite-alerts-')
  ;({ embedded, server } = pair)
  const data = generateDemo({ parcels: 400, batches: 40, changes: 80 })
  await loadDemo(embedded.db, data)
  await loadDemo(server.db, data)
}, 300_000)

afterAll(async () => pair?.close())

const ALERTS = `
  SELECT a.type, a.severity, a.status, a.subject_key, p.code AS parcel, b.approval_no AS batch, r.period || ':' || r.code AS change,
         a.overlap_m2::text AS overlap_m2, a.overlap_share::text AS overlap_share,
         (SELECT count(*)::int FROM alert_change ac WHERE ac.alert_id = a.id) AS detections
  FROM alert a LEFT JOIN parcel p ON p.id = a.parcel_id LEFT JOIN approval_batch b ON b.id = a.batch_id
  LEFT JOIN rs_change r ON r.id = a.change_id
  ORDER BY a.type, a.subject_key`

describe('alerts on the embedded database', () => {
  it('are the same as on PostgreSQL 15 / PostGIS 3.3', async () => {
    const run = async (db: Database['db']) => {
      const r = await db.one('SELECT analysis.refresh_alerts($1) AS r', [REFERENCE_DATE], (x) => x.r)
      const again = await db.one('SELECT analysis.refresh_alerts($1) AS r', [REFERENCE_DATE], (x) => x.r)
      expect(again.created).toBe(0)
      return { created: r.created, alerts: await db.any(ALERTS) }
    }
    const [e, s] = [await run(embedded.db), await run(server.db)]
    expect(s.created).toBeGreaterThan(10)
    expect(new Set(s.alerts.map((a) => a.type)).size).toBeGreaterThanOrEqual(4)
    expect(e.created).toBe(s.created)
    // subject keys hold row ids: both loads insert in the same order, so ids agree too
    expect(e.alerts).toEqual(s.alerts)
  })
})
