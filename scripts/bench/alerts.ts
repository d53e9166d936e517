/** Benchmark of the patrol alert rules (DOMAIN.md "Dynamic monitoring"): 100k parcels and 50k change polygons built with
 * generate_series in a throwaway PostGIS cluster. Measures, in the same process:
 * - the five rules as analysis.alert_candidates computes them (all changes and the parcel scan),
 *   against a plain reference SQL of the same rules (constants for the thresholds, no reasons, no
 *   rounding, no county rules): goal ratio ≤ 1.2; the two must find the same alerts per type;
 * - for information: analysis.refresh_alerts writing them (linking repeats, routing), the same
 *   refresh again (creates nothing), and the refresh after a commit of 1000 new changes.
 * BENCH_GRID makes a smaller run for a quick look (100 is the measured size). */
import { performance } from 'node:perf_hooks'
import { raceSql, buildBenchData, seconds, withBenchDatabase } from './compare-sql'

const AS_OF = '2024-12-31'
const GRID = Number(process.env.BENCH_GRID ?? 100)

/** Land on EPSG:4546 (metres), as in scripts/bench/analysis.ts: batch (i, j) is 450 m × 300 m with a
 * 50 m street around; ten parcels of 88 m × 148 m each, 2 m apart; 70 % supplied; starts, halts and
 * completions spread over them. Five changes per batch (GRID² × 5 = 50k):
 *   k=0 construction inside one parcel; k=1 construction across two parcels; k=2 construction in the
 *   street (land never approved); k=3 demolition inside a parcel; k=4 the k=0 building seen again
 *   in 2024Q3 (5 m off), or, in the first column, earth-moving west of the cluster boundary. */
export const BUILD = `
INSERT INTO county (code, name) VALUES ('410311', '洛龙区');
INSERT INTO cluster (code, name, short_name, county_code, target_tax_per_mu, leading_industries, boundary)
VALUES ('bench', '基准集聚区', 'bench', '410311', 15, ARRAY['装备制造'],
  ST_Multi(ST_Transform(ST_MakeEnvelope(599900, 3799900, 600000 + ${GRID} * 500 + 100, 3800000 + ${GRID} * 350 + 100, 4546), 4490)));
INSERT INTO approval_batch (approval_no, county_code, cluster_code, approved_on, geom)
SELECT 'B' || i || '-' || j, '410311', 'bench', DATE '2012-01-01' + ((i * 37 + j * 11) % 4000),
  ST_Multi(ST_Transform(ST_MakeEnvelope(600000 + i * 500, 3800000 + j * 350, 600000 + i * 500 + 450, 3800000 + j * 350 + 300, 4546), 4490))
FROM generate_series(0, ${GRID - 1}) i, generate_series(0, ${GRID - 1}) j;
INSERT INTO parcel (code, county_code, cluster_code, land_use, stage, geom)
SELECT 'P' || i || '-' || j || '-' || c || '-' || r, '410311', 'bench', '工业用地', 'supplied',
  ST_Multi(ST_Transform(ST_MakeEnvelope(600000 + i * 500 + c * 90, 3800000 + j * 350 + r * 150,
                                        600000 + i * 500 + c * 90 + 88, 3800000 + j * 350 + r * 150 + 148, 4546), 4490))
FROM generate_series(0, ${GRID - 1}) i, generate_series(0, ${GRID - 1}) j, generate_series(0, 4) c, generate_series(0, 1) r;
INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_use, signed_on, agreed_start_on,
  total_investment_wan, planned_floor_area_m2)
SELECT 'K' || p.id, p.id, '410311', 'grant', '工业用地', DATE '2014-01-01' + (p.id % 3800)::int,
  DATE '2014-01-01' + (p.id % 3800)::int + 120, 1000, 12000
FROM parcel p WHERE p.id % 10 < 7;
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan)
SELECT c.parcel_id, '410311', 'start', c.agreed_start_on + 60, 500, 100 FROM supply_contract c WHERE c.parcel_id % 10 BETWEEN 1 AND 6;
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan)
SELECT c.parcel_id, '410311', 'halt', c.agreed_start_on + 300, CASE WHEN c.parcel_id % 20 = 1 THEN 2000 ELSE 6000 END,
  CASE WHEN c.parcel_id % 20 = 1 THEN 150 ELSE 400 END
FROM supply_contract c WHERE c.parcel_id % 10 = 1;
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on)
SELECT c.parcel_id, '410311', 'completion_acceptance', c.agreed_start_on + 700 FROM supply_contract c WHERE c.parcel_id % 10 BETWEEN 3 AND 6;
UPDATE parcel SET stage = 'producing' WHERE id IN (SELECT parcel_id FROM supply_contract WHERE parcel_id % 10 BETWEEN 3 AND 6);
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, government_caused, note)
SELECT c.parcel_id, '410311', 'inspection', c.agreed_start_on + 30, true, '规划调整' FROM supply_contract c WHERE c.parcel_id % 50 = 0;
INSERT INTO rs_change (code, period, change_type, image_before, image_after, county_code, geom)
SELECT 'R' || i || '-' || j || '-' || k,
  CASE WHEN k = 4 AND i > 0 THEN '2024Q3' ELSE '2024Q1' END,
  CASE k WHEN 3 THEN 'demolition' WHEN 4 THEN CASE WHEN i = 0 THEN 'earth_moving' ELSE 'new_construction' END ELSE 'new_construction' END,
  CASE WHEN k = 4 AND i > 0 THEN DATE '2024-06-30' ELSE DATE '2023-12-31' END,
  CASE WHEN k = 4 AND i > 0 THEN DATE '2024-09-30' ELSE DATE '2024-03-31' END,
  '410311',
  ST_Multi(ST_Transform(CASE k
    WHEN 0 THEN ST_MakeEnvelope(bx + ((i + j) % 5) * 90 + 14, by + 40, bx + ((i + j) % 5) * 90 + 74, by + 100, 4546)
    WHEN 1 THEN ST_MakeEnvelope(bx + ((i + 2 * j) % 4) * 90 + 60, by + 200, bx + ((i + 2 * j) % 4) * 90 + 120, by + 240, 4546)
    WHEN 2 THEN ST_MakeEnvelope(bx + 455, by + 100, bx + 495, by + 140, 4546)
    WHEN 3 THEN ST_MakeEnvelope(bx + ((i + j + 3) % 5) * 90 + 20, by + 170, bx + ((i + j + 3) % 5) * 90 + 60, by + 210, 4546)
    ELSE CASE WHEN i = 0 THEN ST_MakeEnvelope(599000, by + 50, 599080, by + 110, 4546)
              ELSE ST_MakeEnvelope(bx + ((i + j) % 5) * 90 + 19, by + 45, bx + ((i + j) % 5) * 90 + 79, by + 105, 4546) END
  END, 4490))
FROM (SELECT i, j, 600000 + i * 500 AS bx, 3800000 + j * 350 AS by FROM generate_series(0, ${GRID - 1}) i, generate_series(0, ${GRID - 1}) j) b,
     generate_series(0, 4) k;
`

/** The same five rules written plainly: thresholds as constants (share 0.1, 200 m², tolerance 1 m²,
 * grace 90 days), the subject of each alert, no reasons, no rounding, no county rules; per change,
 * its overlaps by index (a LATERAL per change, as any plain version must, or the planner, blind to
 * the sizes of intermediate results, rescans one per row of another). */
export const REFERENCE = `
CREATE TEMP TABLE ref_alerts AS
WITH ch AS MATERIALIZED (
  SELECT c.id, c.change_type, c.image_after, c.geom, c.area_m2, coalesce(c.linked_to, c.id) AS root, pp.pids, pp.ovs,
         coalesce(pp.covered, 0) AS covered, coalesce(cl.inside, 0) AS inside, cl.inside IS NOT NULL AS in_cluster
  FROM rs_change c
  CROSS JOIN LATERAL (
    SELECT array_agg(p.id) AS pids, array_agg(x.ov) AS ovs, sum(x.ov) AS covered
    FROM parcel p CROSS JOIN LATERAL (SELECT ST_Area(ST_SetSRID(ST_Intersection(c.geom, p.geom), 4326)::geography) AS ov OFFSET 0) x
    WHERE c.change_type IN ('new_construction', 'demolition') AND p.geom && c.geom AND ST_Intersects(p.geom, c.geom)
      AND p.retired_at IS NULL AND x.ov > 0) pp
  CROSS JOIN LATERAL (
    SELECT sum(ST_Area(ST_SetSRID(ST_Intersection(c.geom, b.boundary), 4326)::geography)) AS inside
    FROM cluster b WHERE b.boundary && c.geom AND ST_Intersects(b.boundary, c.geom)) cl
  WHERE c.image_after <= DATE '${AS_OF}'
),
hits AS MATERIALIZED (
  SELECT ch.id, ch.root, ch.change_type, ch.image_after, u.pid, p.stage, k.id AS kid, d.built_on, d.completed_on,
         d.last_halt IS NOT NULL AND (d.last_go IS NULL OR d.last_halt >= d.last_go) AS halted
  FROM ch CROSS JOIN LATERAL unnest(ch.pids, ch.ovs) AS u(pid, ov)
  CROSS JOIN LATERAL (SELECT q.stage FROM parcel q WHERE q.id = u.pid) p
  LEFT JOIN LATERAL (SELECT k.id FROM supply_contract k WHERE k.parcel_id = u.pid AND k.signed_on <= ch.image_after
                       AND (k.terminated_on IS NULL OR k.terminated_on > ch.image_after) ORDER BY k.signed_on DESC, k.id DESC LIMIT 1) k ON true
  LEFT JOIN LATERAL (
    SELECT min(e.occurred_on) FILTER (WHERE e.kind IN ('start','progress','resume','completion','completion_acceptance','production_acceptance')) AS built_on,
           min(e.occurred_on) FILTER (WHERE e.kind IN ('completion','completion_acceptance','production_acceptance')) AS completed_on,
           max(e.occurred_on) FILTER (WHERE e.kind IN ('start','resume')) AS last_go,
           max(e.occurred_on) FILTER (WHERE e.kind = 'halt') AS last_halt
    FROM development_event e WHERE e.parcel_id = u.pid AND e.occurred_on <= DATE '${AS_OF}') d ON true
  WHERE u.ov > 1 AND (u.ov / ch.area_m2 >= 0.1 OR u.ov >= 200)
)
SELECT 'construction_on_unsupplied' AS type, 'change:' || root || '|parcel:' || pid AS subject FROM hits
 WHERE change_type = 'new_construction' AND kid IS NULL
UNION ALL
SELECT 'construction_on_idle', 'change:' || root || '|parcel:' || pid FROM hits
 WHERE change_type = 'new_construction' AND kid IS NOT NULL AND completed_on IS NULL AND (built_on IS NULL OR halted)
UNION ALL
SELECT 'demolition_on_producing', 'change:' || root || '|parcel:' || pid FROM hits
 WHERE change_type = 'demolition' AND (completed_on <= image_after OR stage IN ('completed', 'producing'))
UNION ALL
SELECT 'construction_on_unsupplied', 'change:' || root || '|land' FROM ch
 WHERE change_type = 'new_construction' AND in_cluster AND area_m2 - covered > 1
   AND ((area_m2 - covered) / area_m2 >= 0.1 OR area_m2 - covered >= 200)
UNION ALL
SELECT 'change_outside_cluster', 'change:' || root || '|outside' FROM ch
 WHERE area_m2 - inside > 1 AND ((area_m2 - inside) / area_m2 >= 0.1 OR area_m2 - inside >= 200)
UNION ALL
SELECT 'no_change_after_start_date', 'contract:' || k.id
FROM (SELECT DISTINCT ON (c.parcel_id) c.* FROM supply_contract c
      WHERE c.signed_on <= DATE '${AS_OF}' AND (c.terminated_on IS NULL OR c.terminated_on > DATE '${AS_OF}')
      ORDER BY c.parcel_id, c.signed_on DESC, c.id DESC) k
JOIN parcel p ON p.id = k.parcel_id AND p.retired_at IS NULL
WHERE DATE '${AS_OF}' - k.agreed_start_on > 90
  AND NOT EXISTS (SELECT 1 FROM development_event e WHERE e.parcel_id = p.id AND e.occurred_on <= DATE '${AS_OF}'
                    AND (e.government_caused OR e.kind IN ('start','progress','resume','completion','completion_acceptance','production_acceptance')))
  AND NOT EXISTS (SELECT 1 FROM rs_change c WHERE c.geom && p.geom AND ST_Relate(c.geom, p.geom, 'T********')
                    AND c.change_type IN ('new_construction', 'earth_moving') AND c.image_after >= k.signed_on AND c.image_after <= DATE '${AS_OF}')`

export const MINE = `CREATE TEMP TABLE mine_alerts AS SELECT * FROM analysis.alert_candidates(DATE '${AS_OF}')`

export async function benchAlerts(): Promise<void> {
  await withBenchDatabase('bench_alerts', async (db) => {
    await buildBenchData(db, BUILD, `SELECT (SELECT count(*) FROM parcel)::int AS parcels, (SELECT count(*) FROM supply_contract)::int AS contracts,
        (SELECT count(*) FROM development_event)::int AS events, (SELECT count(*) FROM rs_change)::int AS changes`)
    await raceSql(db, {
      label: 'alert rules', goal: 1.2,
      reference: { sql: REFERENCE, table: 'ref_alerts' },
      ours: { sql: MINE, table: 'mine_alerts', name: 'analysis.alert_candidates' },
      async check(t) {
        // the same alerts, type by type and subject by subject
        const byType = await t.any(`
          SELECT coalesce(r.type, m.type) AS type, count(r.*)::int AS reference, count(m.*)::int AS mine,
                 count(*) FILTER (WHERE r.subject IS NULL OR m.subject IS NULL)::int AS differ
          FROM (SELECT DISTINCT type, subject FROM ref_alerts) r
          FULL JOIN (SELECT DISTINCT type, subject_key AS subject FROM mine_alerts) m ON m.type = r.type AND m.subject = r.subject
          GROUP BY 1 ORDER BY 1`)
        console.log('alerts by type (distinct subjects):')
        for (const r of byType) console.log(`  ${r.type.padEnd(28)} reference ${String(r.reference).padStart(6)}  analysis ${String(r.mine).padStart(6)}  differ ${r.differ}`)
        if (byType.some((r) => r.differ > 0)) throw new Error('the analysis and the reference SQL found different alerts')
      },
    })

    // For information: writing them, then again (nothing new), then a commit of 1000 new changes.
    await db.none(`INSERT INTO app_user (username, display_name, role, county_scope, password_hash) VALUES
      ('bench.insp1', '巡查员1', 'inspector', '{410311}', 'x'), ('bench.insp2', '巡查员2', 'inspector', '{410311}', 'x')`)
    let t0 = performance.now()
    const full = await db.one('SELECT analysis.refresh_alerts($1) AS r', [AS_OF], (r: { r: Record<string, number> }) => r.r)
    console.log(`refresh_alerts, first run: ${seconds(performance.now() - t0)} (${JSON.stringify(full)})`)
    t0 = performance.now()
    const again = await db.one('SELECT analysis.refresh_alerts($1) AS r', [AS_OF], (r: { r: Record<string, number> }) => r.r)
    console.log(`refresh_alerts, second run: ${seconds(performance.now() - t0)} (created ${again.created})`)
    if (again.created !== 0) throw new Error('a second refresh created alerts')
    const ids: number[] = await db.tx(async (t) => {
      await t.none('SET LOCAL session_replication_role = replica')
      return t.map(`INSERT INTO rs_change (code, period, change_type, image_before, image_after, county_code, geom)
        SELECT 'N' || id, '2024Q4', 'new_construction', '2024-09-30', '2024-12-20', '410311',
               ST_Multi(ST_Translate(geom, 0.00002, 0.00002)) FROM rs_change WHERE code LIKE 'R%-0' ORDER BY id LIMIT 1000
        RETURNING id`, [], (r: { id: number }) => r.id)
    })
    t0 = performance.now()
    const commit = await db.one('SELECT analysis.refresh_alerts($1, $2::bigint[]) AS r', [AS_OF, ids], (r: { r: Record<string, number> }) => r.r)
    console.log(`refresh after a commit of ${ids.length} changes: ${seconds(performance.now() - t0)} (${JSON.stringify(commit)})`)
  })
}
