/** Benchmark of the land-status analysis (DOMAIN.md "Classifications the system computes"): 100k parcels and 10k approval batches built
 * with generate_series in a throwaway PostGIS cluster. Measures, in the same process:
 * - the 批而未供 overlay as analysis.unsupplied computes it, against a plain reference SQL of the
 *   same overlay (batch minus the union of supplied parcels, ellipsoidal area): goal ratio ≤ 1.2;
 * - the admin full recompute analysis.refresh_all (every classification): goal ≤ 60 s;
 * - an edit of one parcel's shape, committed with the refresh of what it touches: goal ≤ 100 ms;
 * - a bulk write of 5 % of the parcels' shapes with its refresh deferred (as an upload commits):
 *   the dashboard summary while it is queued and the catch-up after it, against the summary with
 *   nothing queued and the full recompute of the same run (for information: no goal was set). */
import { performance } from 'node:perf_hooks'
import { setActor } from '../../server/db/actor'
import { buildBenchData, raceSql, seconds, withBenchDatabase } from './compare-sql'

const AS_OF = '2024-06-30'
/** GRID × GRID batches; BENCH_GRID makes a smaller run for a quick look (100 is the measured size). */
const GRID = Number(process.env.BENCH_GRID ?? 100)
const PER_BATCH = { cols: 5, rows: 2 } // parcels per batch

/** Land laid out on EPSG:4546 (metres): batch (i, j) is 450 m × 300 m with a 50 m street around;
 * its ten parcels are 88 m × 148 m with 2 m between them, so each remainder is a comb of strips
 * plus the unsupplied parcels; about 70 % of the parcels are supplied. */
export const BUILD = `
INSERT INTO county (code, name) VALUES ('410311', '洛龙区');
INSERT INTO cluster (code, name, short_name, county_code, target_tax_per_mu, leading_industries, boundary)
VALUES ('bench', '基准集聚区', 'bench', '410311', 15, ARRAY['装备制造'],
  ST_Multi(ST_Transform(ST_MakeEnvelope(600000, 3800000, 600000 + ${GRID} * 500 + 100, 3800000 + ${GRID} * 350 + 100, 4546), 4490)));
INSERT INTO approval_batch (approval_no, county_code, cluster_code, approved_on, geom)
SELECT 'B' || i || '-' || j, '410311', 'bench', DATE '2012-01-01' + ((i * 37 + j * 11) % 4000),
  ST_Multi(ST_Transform(ST_MakeEnvelope(600000 + i * 500, 3800000 + j * 350, 600000 + i * 500 + 450, 3800000 + j * 350 + 300, 4546), 4490))
FROM generate_series(0, ${GRID - 1}) i, generate_series(0, ${GRID - 1}) j;
INSERT INTO parcel (code, county_code, cluster_code, land_use, stage, geom)
SELECT 'P' || i || '-' || j || '-' || c || '-' || r, '410311', 'bench', '工业用地', 'supplied',
  ST_Multi(ST_Transform(ST_MakeEnvelope(600000 + i * 500 + c * 90, 3800000 + j * 350 + r * 150,
                                        600000 + i * 500 + c * 90 + 88, 3800000 + j * 350 + r * 150 + 148, 4546), 4490))
FROM generate_series(0, ${GRID - 1}) i, generate_series(0, ${GRID - 1}) j,
     generate_series(0, ${PER_BATCH.cols - 1}) c, generate_series(0, ${PER_BATCH.rows - 1}) r;
INSERT INTO enterprise (credit_code, name, county_code, industry)
SELECT '91410300MA' || lpad(n::text, 8, '0'), '企业' || n, '410311', CASE WHEN n % 5 = 0 THEN '食品' ELSE '装备制造' END
FROM generate_series(1, 5000) n;
INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_user_code, land_use, signed_on,
  agreed_start_on, total_investment_wan, planned_floor_area_m2)
SELECT 'K' || p.id, p.id, '410311', 'grant', '91410300MA' || lpad((1 + p.id % 5000)::text, 8, '0'), '工业用地',
  DATE '2014-01-01' + (p.id % 3500)::int, DATE '2014-01-01' + (p.id % 3500)::int + 120, 1000, 12000
FROM parcel p WHERE p.id % 10 < 7;
-- Development: most supplied parcels start; some halt early (idle), some halt late (stalled), some
-- complete and are accepted.
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan)
SELECT c.parcel_id, '410311', 'start', c.agreed_start_on + 60, 500, 100 FROM supply_contract c WHERE c.parcel_id % 10 BETWEEN 1 AND 6;
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan)
SELECT c.parcel_id, '410311', 'halt', c.agreed_start_on + 300, CASE WHEN c.parcel_id % 20 = 1 THEN 2000 ELSE 6000 END,
  CASE WHEN c.parcel_id % 20 = 1 THEN 150 ELSE 400 END
FROM supply_contract c WHERE c.parcel_id % 10 = 1;
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, measured)
SELECT c.parcel_id, '410311', 'completion_acceptance', c.agreed_start_on + 700, '{"plot_ratio": 0.9, "green_ratio": 0.18}'::jsonb
FROM supply_contract c WHERE c.parcel_id % 10 BETWEEN 3 AND 6;
INSERT INTO contract_indicator (contract_id, indicator, unit, direction, value)
SELECT c.id, 'plot_ratio', '', 'min', 1.0 FROM supply_contract c WHERE c.parcel_id % 10 = 3;
INSERT INTO enterprise_year (credit_code, year, profit_wan, rating)
SELECT e.credit_code, y, CASE WHEN e.credit_code LIKE '%7' THEN -5 ELSE 10 END, CASE WHEN e.credit_code LIKE '%3' THEN 'C' ELSE 'B' END
FROM enterprise e, generate_series(2019, 2023) y;
-- Used before supply: starts on unsupplied parcels, and construction changes on parcel (3, 1) of
-- every fifth batch row, which is never supplied (its id ends in 8).
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on)
SELECT p.id, '410311', 'start', DATE '2022-01-01' + (p.id % 500)::int FROM parcel p WHERE p.id % 50 = 7;
INSERT INTO rs_change (code, period, change_type, image_before, image_after, county_code, geom)
SELECT 'R' || n, '2024Q1', 'new_construction', DATE '2023-12-01', DATE '2024-03-31', '410311',
  ST_Multi(ST_Transform(ST_MakeEnvelope(600000 + (n % ${GRID}) * 500 + 280, 3800000 + (n / ${GRID}) * 350 * 5 + 190,
                                        600000 + (n % ${GRID}) * 500 + 340, 3800000 + (n / ${GRID}) * 350 * 5 + 250, 4546), 4490))
FROM generate_series(0, 1999) n;
INSERT INTO plan_zone (cluster_code, county_code, zone_type, name, geom)
SELECT 'bench', '410311', 'green', '绿地' || n,
  ST_Multi(ST_Transform(ST_MakeEnvelope(600000 + n * 5000 + 440, 3800000, 600000 + n * 5000 + 470, 3800000 + ${GRID} * 350, 4546), 4490))
FROM generate_series(0, ${GRID / 10 - 1}) n;
`

/** The same overlay written plainly: no as-of, no slivers, no reasons, no rounding. */
export const REFERENCE = `
CREATE TEMP TABLE ref_unsupplied AS
SELECT b.id, r.geom, ST_Area(ST_SetSRID(r.geom, 4326)::geography) AS area_m2
FROM approval_batch b
CROSS JOIN LATERAL (
  SELECT CASE WHEN u.g IS NULL THEN b.geom ELSE ST_Difference(b.geom, u.g) END AS geom
  FROM (SELECT ST_Union(p.geom) AS g FROM parcel p
        WHERE p.geom && b.geom AND ST_Intersects(p.geom, b.geom)
          AND EXISTS (SELECT 1 FROM supply_contract c WHERE c.parcel_id = p.id AND c.signed_on <= DATE '${AS_OF}')) u
) r`

export const MINE = `CREATE TEMP TABLE mine_unsupplied AS SELECT * FROM analysis.unsupplied(DATE '${AS_OF}')`

export async function benchAnalysis(): Promise<void> {
  await withBenchDatabase('bench_analysis', async (db) => {
    await buildBenchData(db, BUILD, `SELECT (SELECT count(*) FROM parcel)::int AS parcels, (SELECT count(*) FROM approval_batch)::int AS batches,
        (SELECT count(*) FROM supply_contract)::int AS contracts, (SELECT count(*) FROM development_event)::int AS events,
        (SELECT count(*) FROM rs_change)::int AS changes`)
    await raceSql(db, {
      label: 'unsupplied overlay', goal: 1.2,
      reference: { sql: REFERENCE, table: 'ref_unsupplied' },
      ours: { sql: MINE, table: 'mine_unsupplied', name: 'analysis.unsupplied' },
      async check(t) {
        const check = await t.one(`SELECT (SELECT sum(area_m2) FROM ref_unsupplied) AS ref, (SELECT sum(remainder_m2 + sliver_m2) FROM mine_unsupplied) AS mine`)
        console.log(`unsupplied total: reference ${check.ref.toFixed(0)} m², analysis ${check.mine.toFixed(0)} m² (remainder + slivers)`)
      },
    })

    let t0 = performance.now()
    const full = await db.one(`SELECT analysis.refresh_all($1) AS r`, [AS_OF], (r: { r: Record<string, number> & { past_to_store: string[] } }) => r.r)
    const fullMs = performance.now() - t0
    console.log(`full recompute: ${seconds(fullMs)} (in SQL ${full.duration_ms} ms; ${full.findings} findings, ${full.batches} batches, ${full.changes} changes) (goal ≤ 60 s)`)
    t0 = performance.now()
    const pastRows = await db.one('SELECT analysis.store_unsupplied_past(NULL) AS n', [], (r: { n: number }) => r.n)
    console.log(`  then its follow-on, the summary's past remainders at ${JSON.stringify(full.past_to_store)} (a transaction of its own; the summary is live until it ends): ${seconds(performance.now() - t0)}, ${pastRows} rows`)
    t0 = performance.now()
    const again = await db.one(`SELECT analysis.refresh_all($1) AS r`, [AS_OF], (r: { r: { past_to_store: string[] } }) => r.r)
    console.log(`  the same recompute again (the daily refresh, past remainders kept; left to store: ${JSON.stringify(again.past_to_store)}): ${seconds(performance.now() - t0)}`)

    // For information: the dashboard summary (materialised date; the progress against the targets
    // overlays again the batches whose cover changed since the baseline and since 1 January).
    t0 = performance.now()
    await db.one('SELECT analysis.summary($1) AS j', [AS_OF])
    console.log(`summary (per cluster, county, city, with target progress): ${seconds(performance.now() - t0)}`)

    // One parcel's shape edited and committed, with its refresh, for 20 different parcels.
    const edits: number[] = []
    const ids: number[] = await db.map('SELECT id FROM parcel WHERE id % 997 = 3 ORDER BY id LIMIT 20', [], (r: { id: number }) => r.id)
    for (const id of ids) {
      t0 = performance.now()
      await db.tx(async (t) => {
        await setActor(t, 'user:bench', 'benchmark edit')
        await t.none('UPDATE parcel SET geom = ST_Multi(ST_Buffer(geom, -0.00001, 1)) WHERE id = $1', [id])
      })
      edits.push(performance.now() - t0)
    }
    console.log(`edit timings (ms, in order): ${edits.map((x) => x.toFixed(0)).join(' ')}`)
    edits.sort((a, b) => a - b)
    const median = edits[Math.floor(edits.length / 2)]!
    console.log(`edit one parcel + refresh, committed: median ${median.toFixed(1)} ms, max ${edits.at(-1)!.toFixed(1)} ms over ${edits.length} edits (goal ≤ 100 ms)`)
    const fresh = await db.tx(async (t) => {
      await t.none('SET LOCAL jit = off')
      return t.one(`SELECT (SELECT json_agg(u ORDER BY batch_id)::text FROM analysis.unsupplied_remainder u WHERE batch_id IN (
                       SELECT b.id FROM approval_batch b JOIN parcel p ON p.geom && b.geom WHERE p.id = ANY($1)))
                     = (SELECT json_agg(u ORDER BY batch_id)::text FROM analysis.unsupplied($2, ARRAY(
                       SELECT b.id FROM approval_batch b JOIN parcel p ON p.geom && b.geom WHERE p.id = ANY($1))) u) AS same`, [ids, AS_OF])
    })
    if (!fresh.same) throw new Error('the materialised remainders of the edited batches differ from the live computation')
    console.log('materialised remainders of the edited batches equal the live computation')

    // A bulk write deferring its refresh, as an upload's commit does (the analysis catches up right after the commit).
    const summary = () => db.tx(async (t) => {
      await t.none('SET LOCAL jit = off')
      return t.one(`SELECT (analysis.summary($1) - 'materialised')::text AS j`, [AS_OF], (r: { j: string }) => r.j)
    })
    t0 = performance.now()
    await summary()
    const idleSummaryMs = performance.now() - t0
    await db.tx(async (t) => {
      await setActor(t, 'user:bench', 'benchmark bulk write')
      await t.none(`SET LOCAL onemap.analysis = 'deferred'`)
      await t.none('UPDATE parcel SET geom = ST_Multi(ST_Buffer(geom, -0.00001, 1)) WHERE id % 20 = 3')
    })
    const queued = await db.one('SELECT count(DISTINCT parcel_id)::int AS n FROM analysis.pending_parcel', [], (r: { n: number }) => r.n)
    t0 = performance.now()
    const whileQueued = await summary()
    const queuedSummaryMs = performance.now() - t0
    t0 = performance.now()
    for (let n = 1; n > 0;) n = await db.one('SELECT analysis.process_pending(20000) AS n', [], (r: { n: number }) => r.n)
    const catchUpMs = performance.now() - t0
    if (await summary() !== whileQueued) throw new Error('the summary while the bulk write was queued differs from the caught-up one')
    console.log(`bulk write of ${queued} parcel shapes, refresh deferred: summary while queued ${seconds(queuedSummaryMs)} ` +
      `(${(queuedSummaryMs / idleSummaryMs).toFixed(1)}× the summary with nothing queued, ${seconds(idleSummaryMs)}), equal to the caught-up one; ` +
      `catch-up ${seconds(catchUpMs)} (${(catchUpMs / fullMs).toFixed(2)}× the full recompute)`)
  })
}
