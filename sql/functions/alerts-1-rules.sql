/* Patrol alert rules (DOMAIN.md "Dynamic monitoring"; seed §四(二)), set-based over
   the remote-sensing change polygons, the parcels, the approval batches and the cluster boundaries.
   Thresholds are county rules (analysis.rules_at; defaults in sql/migrations/400_alerts.sql).

   A change "touches" a parcel, batch land or the land outside the clusters when the overlap is more
   than area_tolerance m² and either at least alert_overlap_share of the change's area (compared at 6
   decimals, from unrounded spheroidal areas) or at least alert_overlap_m2 m².

   Every candidate carries its subject: the same subject is the same alert, whichever period saw it
   (a later detection linked to an earlier one, rs_change.linked_to, has the same root change). */

-- analysis-*.sql sort after this file and are created in the same transaction: the bodies below
-- call them, so they are checked at their first call rather than here.
SET LOCAL check_function_bodies = off;

CREATE OR REPLACE FUNCTION analysis.alert_candidates(as_of date, change_ids bigint[] DEFAULT NULL, alert_types text[] DEFAULT NULL)
  RETURNS TABLE (type text, severity text, subject_key text, change_id bigint, root_change_id bigint,
                 parcel_id bigint, batch_id bigint, contract_id bigint, county_code char(6), cluster_code text,
                 overlap_m2 numeric, overlap_share numeric, seen_on date, rule_county char(6),
                 built_on date, halted_on date, completed_on date, batch_overlap_m2 numeric)
  LANGUAGE sql STABLE AS $$
  WITH rs AS MATERIALIZED (
    SELECT r.county_code AS rule_county,
      analysis.rule_num(r.rules, 'alert_overlap_share') AS min_share,
      analysis.rule_num(r.rules, 'alert_overlap_m2') AS min_m2,
      analysis.rule_num(r.rules, 'area_tolerance') AS tol,
      analysis.rule_list(r.rules, 'construction_change_types') AS build_types,
      analysis.rule_list(r.rules, 'alert_activity_change_types') AS activity_types,
      analysis.rule_num(r.rules, 'alert_no_change_grace_days')::integer AS grace_days,
      r.rules -> 'alert_severity' -> 'value' AS severities
    FROM analysis.rules_at($1) r
  ),
  -- The detections to evaluate: imaged by the date; the change's own county's rules (the city-wide
  -- ones when the change has no county).
  ch AS MATERIALIZED (
    SELECT c.id, c.code, c.period, c.change_type, c.image_before, c.image_after, c.county_code AS change_county, c.geom,
      c.linked_to, c.area_m2 AS change_raw, analysis.m2(c.area_m2) AS change_m2, coalesce(c.linked_to, c.id) AS root_id,
      rs.min_share, rs.min_m2, rs.tol, rs.severities, c.change_type = ANY(rs.build_types) AS is_build
    FROM rs_change c JOIN rs ON rs.rule_county IS NOT DISTINCT FROM c.county_code
    WHERE c.image_after <= $1 AND ($2 IS NULL OR c.id = ANY($2))
      AND ($3 IS NULL OR $3 && ARRAY['construction_on_unsupplied','construction_on_idle','demolition_on_producing','change_outside_cluster'])
  ),
  -- Per change, by index, the change kept outer (LATERAL), so that the plan stays linear whatever
  -- the estimates: its overlap with every live parcel (construction and demolition only), and with
  -- the cluster boundaries. OFFSET 0 keeps each intersection apart, computed once.
  chx AS MATERIALIZED (
    SELECT ch.*, pp.pids, pp.raws, coalesce(pp.covered, 0) AS covered, cl.in_raw, cl.in_cluster, cl.in_county
    FROM ch
    CROSS JOIN LATERAL (
      SELECT array_agg(p.id ORDER BY p.id) AS pids, array_agg(x.raw ORDER BY p.id) AS raws, sum(x.raw) AS covered
      FROM parcel p
      CROSS JOIN LATERAL (SELECT ellipsoidal_area_m2(ST_CollectionExtract(ST_Intersection(ch.geom, p.geom), 3)) AS raw OFFSET 0) x
      WHERE (ch.is_build OR ch.change_type = 'demolition')
        AND p.geom && ch.geom AND ST_Intersects(p.geom, ch.geom)
        AND (p.retired_at IS NULL OR analysis.local_date(p.retired_at) > ch.image_after) AND x.raw > 0) pp
    CROSS JOIN LATERAL (
      SELECT sum(y.raw) AS in_raw,
        (array_agg(c.code ORDER BY y.raw DESC, c.code))[1] AS in_cluster,
        (array_agg(c.county_code ORDER BY y.raw DESC, c.code))[1] AS in_county
      FROM cluster c
      CROSS JOIN LATERAL (SELECT CASE WHEN ST_CoveredBy(ch.geom, c.boundary) THEN ch.change_raw
                                      ELSE ellipsoidal_area_m2(ST_CollectionExtract(ST_Intersection(ch.geom, c.boundary), 3)) END AS raw OFFSET 0) y
      WHERE c.boundary && ch.geom AND ST_Intersects(c.boundary, ch.geom)) cl
  ),
  -- Change × parcel pairs, and what the parcel was when the change was imaged: the contract in
  -- force at image_after; the construction, completion and halts recorded by the date (DOMAIN.md
  -- life cycle 2–3).
  cpf AS MATERIALIZED (
    SELECT c.id, c.code, c.period, c.change_type, c.image_before, c.image_after, c.change_county, c.change_raw, c.change_m2,
      c.root_id, c.min_share, c.min_m2, c.tol, c.severities, c.is_build,
      u.pid, p.county_code AS parcel_county, p.cluster_code AS parcel_cluster, p.stage,
      analysis.m2(u.raw) AS ov_m2, round((u.raw / nullif(c.change_raw, 0))::numeric, 6) AS ov_share,
      k.id AS k_id, d.built_on, d.completed_on, d.last_go, d.last_halt,
      d.last_halt IS NOT NULL AND (d.last_go IS NULL OR d.last_halt >= d.last_go) AS halted
    FROM chx c
    CROSS JOIN LATERAL unnest(c.pids, c.raws) AS u(pid, raw)
    CROSS JOIN LATERAL (SELECT q.county_code, q.cluster_code, q.stage FROM parcel q WHERE q.id = u.pid) p
    LEFT JOIN LATERAL (
      SELECT k.id FROM supply_contract k
      WHERE k.parcel_id = u.pid AND k.signed_on <= c.image_after AND (k.terminated_on IS NULL OR k.terminated_on > c.image_after)
      ORDER BY k.signed_on DESC, k.id DESC LIMIT 1) k ON true
    LEFT JOIN LATERAL (
      SELECT min(e.occurred_on) FILTER (WHERE e.kind IN ('start','progress','resume','completion','completion_acceptance','production_acceptance')) AS built_on,
             min(e.occurred_on) FILTER (WHERE e.kind IN ('completion','completion_acceptance','production_acceptance')) AS completed_on,
             max(e.occurred_on) FILTER (WHERE e.kind IN ('start','resume')) AS last_go,
             max(e.occurred_on) FILTER (WHERE e.kind = 'halt') AS last_halt
      FROM development_event e WHERE e.parcel_id = u.pid AND e.occurred_on <= $1) d ON true
  ),
  hits AS (
    SELECT f.* FROM cpf f
    WHERE f.ov_m2 > f.tol AND (f.ov_share >= f.min_share OR f.ov_m2 >= f.min_m2)
  ),
  -- The part of a construction change on no parcel at all (approved batch land not yet parcelled,
  -- or land never approved): its area is the change's less its parcel overlaps (a cadastre's
  -- parcels do not overlap one another); only for the changes that lie at least partly in a cluster
  -- (outside them the outside rule speaks).
  bare AS MATERIALIZED (
    SELECT c.*, r.raw AS bare_raw, analysis.m2(r.raw) AS bare_m2, round((r.raw / nullif(c.change_raw, 0))::numeric, 6) AS bare_share
    FROM chx c
    CROSS JOIN LATERAL (SELECT greatest(c.change_raw - c.covered, 0) AS raw) r
    WHERE c.is_build AND c.in_cluster IS NOT NULL AND ($3 IS NULL OR 'construction_on_unsupplied' = ANY($3))
      AND r.raw > 0 AND analysis.m2(r.raw) > c.tol
      AND (round((r.raw / nullif(c.change_raw, 0))::numeric, 6) >= c.min_share OR analysis.m2(r.raw) >= c.min_m2)
  ),
  -- The batch the bare part lies on most (its shape computed only for the changes that fire).
  bare_batch AS (
    SELECT b.*, bt.id AS b_id, bt.county_code AS b_county, bt.cluster_code AS b_cluster, bt.raw AS b_raw
    FROM bare b
    CROSS JOIN LATERAL (SELECT CASE WHEN b.pids IS NULL THEN b.geom
                                    ELSE ST_Difference(b.geom, (SELECT ST_Union(p.geom) FROM parcel p WHERE p.id = ANY(b.pids))) END AS g OFFSET 0) rg
    LEFT JOIN LATERAL (
      SELECT ab.id, ab.county_code, ab.cluster_code, y.raw
      FROM approval_batch ab
      CROSS JOIN LATERAL (SELECT ellipsoidal_area_m2(ST_CollectionExtract(ST_Intersection(ab.geom, rg.g), 3)) AS raw OFFSET 0) y
      WHERE ab.geom && rg.g AND ST_Intersects(ab.geom, rg.g) AND ab.approved_on <= b.image_after AND y.raw > 0
      ORDER BY y.raw DESC, ab.id LIMIT 1) bt ON true
  ),
  outside AS (
    SELECT c.*, o.raw AS out_raw, analysis.m2(o.raw) AS out_m2, round((o.raw / nullif(c.change_raw, 0))::numeric, 6) AS out_share
    FROM chx c
    CROSS JOIN LATERAL (SELECT greatest(c.change_raw - coalesce(c.in_raw, 0), 0) AS raw) o
    WHERE ($3 IS NULL OR 'change_outside_cluster' = ANY($3))
      AND o.raw > 0 AND analysis.m2(o.raw) > c.tol
      AND (round((o.raw / nullif(c.change_raw, 0))::numeric, 6) >= c.min_share OR analysis.m2(o.raw) >= c.min_m2)
  )
  -- 未供即用 (DOMAIN.md; seed §二(三)8): construction on a parcel with no contract in force when imaged.
  SELECT 'construction_on_unsupplied'::text, coalesce(h.severities ->> 'construction_on_unsupplied', 'high'),
    'change:' || h.root_id || '|parcel:' || h.pid, h.id, h.root_id, h.pid, NULL::bigint, NULL::bigint,
    coalesce(h.change_county, h.parcel_county)::char(6), h.parcel_cluster, h.ov_m2, h.ov_share, h.image_after, h.change_county,
    NULL::date, NULL::date, NULL::date, NULL::numeric
  FROM hits h
  WHERE h.is_build AND h.k_id IS NULL AND ($3 IS NULL OR 'construction_on_unsupplied' = ANY($3))
  UNION ALL
  -- Construction on a parcel whose construction is not under way: not started (idle once past
  -- idle_days, 2012 art. 2) or halted (idle or stalled by the shares the analysis weighs): a start
  -- or a resumption to verify in the field, which may clear idleness.
  SELECT 'construction_on_idle', coalesce(h.severities ->> 'construction_on_idle', 'medium'),
    'change:' || h.root_id || '|parcel:' || h.pid, h.id, h.root_id, h.pid, NULL, h.k_id,
    coalesce(h.change_county, h.parcel_county)::char(6), h.parcel_cluster, h.ov_m2, h.ov_share, h.image_after, h.change_county,
    h.built_on, CASE WHEN h.halted THEN h.last_halt END, NULL, NULL
  FROM hits h
  WHERE h.is_build AND h.k_id IS NOT NULL AND h.completed_on IS NULL AND (h.built_on IS NULL OR h.halted)
    AND ($3 IS NULL OR 'construction_on_idle' = ANY($3))
  UNION ALL
  SELECT 'demolition_on_producing', coalesce(h.severities ->> 'demolition_on_producing', 'medium'),
    'change:' || h.root_id || '|parcel:' || h.pid, h.id, h.root_id, h.pid, NULL, h.k_id,
    coalesce(h.change_county, h.parcel_county)::char(6), h.parcel_cluster, h.ov_m2, h.ov_share, h.image_after, h.change_county,
    NULL, NULL, h.completed_on, NULL
  FROM hits h
  WHERE h.change_type = 'demolition' AND (h.completed_on <= h.image_after OR h.stage IN ('completed','producing'))
    AND ($3 IS NULL OR 'demolition_on_producing' = ANY($3))
  UNION ALL
  -- 未供即用 or illegal use on land with no parcel: approved batch land not yet supplied, or land never approved.
  SELECT 'construction_on_unsupplied', coalesce(b.severities ->> 'construction_on_unsupplied', 'high'),
    'change:' || b.root_id || '|land', b.id, b.root_id, NULL, b.b_id, NULL,
    coalesce(b.change_county, b.b_county, b.in_county)::char(6), coalesce(b.b_cluster, b.in_cluster), b.bare_m2, b.bare_share,
    b.image_after, b.change_county, NULL, NULL, NULL, analysis.m2(b.b_raw)
  FROM bare_batch b
  UNION ALL
  SELECT 'change_outside_cluster', coalesce(o.severities ->> 'change_outside_cluster', 'low'),
    'change:' || o.root_id || '|outside', o.id, o.root_id, NULL, NULL, NULL,
    coalesce(o.change_county, o.in_county,
             (SELECT cl.county_code FROM cluster cl ORDER BY cl.boundary <-> o.geom LIMIT 1))::char(6),
    NULL, o.out_m2, o.out_share, o.image_after, o.change_county, NULL, NULL, NULL, NULL
  FROM outside o
  UNION ALL
  -- 疑似闲置: supplied, past the agreed start by more than the grace, no start recorded, no government
  -- delay (2012 art. 8), and no activity change on the parcel since the contract was signed.
  SELECT 'no_change_after_start_date', coalesce(rs.severities ->> 'no_change_after_start_date', 'medium'),
    'contract:' || k.id, NULL, NULL, p.id, NULL, k.id, p.county_code, p.cluster_code, NULL, NULL, k.agreed_start_on, p.county_code,
    NULL, NULL, NULL, NULL
  FROM analysis.contract_at($1) k
  JOIN parcel p ON p.id = k.parcel_id AND (p.retired_at IS NULL OR analysis.local_date(p.retired_at) > $1)
  JOIN rs ON rs.rule_county = p.county_code
  WHERE $2 IS NULL AND ($3 IS NULL OR 'no_change_after_start_date' = ANY($3))
    AND k.agreed_start_on IS NOT NULL AND ($1 - k.agreed_start_on) > rs.grace_days
    AND NOT EXISTS (
      SELECT 1 FROM development_event e WHERE e.parcel_id = p.id AND e.occurred_on <= $1
        AND (e.government_caused OR e.kind IN ('start','progress','resume','completion','completion_acceptance','production_acceptance')))
    AND NOT EXISTS (
      SELECT 1 FROM rs_change c WHERE c.geom && p.geom AND ST_Relate(c.geom, p.geom, 'T********')
        AND c.change_type = ANY(rs.activity_types) AND c.image_after >= k.signed_on AND c.image_after <= $1)
$$;
COMMENT ON FUNCTION analysis.alert_candidates(date, bigint[], text[]) IS
  'the patrol alert rules at a date: construction_on_unsupplied (on a parcel with no contract when imaged, or on no parcel), construction_on_idle (not started or halted), demolition_on_producing, change_outside_cluster for the given detections (NULL: all), and no_change_after_start_date (only when change_ids is NULL); alert_types NULL: every type. One row per detection and subject: overlap m² and share of the change, the county whose rules applied (rule_county, NULL: city-wide), and the facts analysis.alert_reason words';

-- The reason of an alert (label, basis, measured values, the test, the county rules it applied with
-- their provenance, the source records), built only for the alerts written: the rules above decide,
-- this explains. `rules` is the county's set from analysis.rules_at.
CREATE OR REPLACE FUNCTION analysis.alert_reason(
    as_of date, type text, rules jsonb, ch rs_change, parcel_code text, parcel_stage text, k supply_contract, b approval_batch,
    overlap_m2 numeric, overlap_share numeric, built_on date, halted_on date, completed_on date, batch_overlap_m2 numeric)
  RETURNS jsonb
  LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'type', $2,
    'label', CASE $2
      WHEN 'construction_on_unsupplied' THEN CASE
        WHEN $5 IS NOT NULL THEN '疑似未供即用：遥感新增建设位于无供地合同的宗地 / suspected use before supply: construction on a parcel with no supply contract'
        WHEN ($8).id IS NOT NULL THEN '疑似未供即用：遥感新增建设位于已批未供土地（未划宗地）/ suspected use before supply: construction on approved land not yet supplied'
        ELSE '疑似违法用地：遥感新增建设位于未批准建设的土地 / suspected illegal use: construction on land never approved for construction' END
      WHEN 'construction_on_idle' THEN CASE
        WHEN $11 IS NULL AND ($1 - ($7).agreed_start_on) > analysis.rule_num($3, 'idle_days')
          THEN '闲置宗地出现新增建设：核实是否已动工（可能解除闲置）/ construction on an idle parcel: verify the start (may clear idleness)'
        WHEN $11 IS NULL THEN '未动工宗地出现新增建设：核实动工日期 / construction on a parcel with no recorded start: verify the start'
        ELSE '停工宗地出现新增建设：核实是否复工 / construction on a halted parcel: verify the resumption' END
      WHEN 'demolition_on_producing' THEN '已投产宗地出现拆除：核实是否停产、转让或改建 / demolition on a producing parcel: verify (stopped, transferred, rebuilt?)'
      WHEN 'change_outside_cluster' THEN '产业集聚区边界外出现变化图斑 / a change outside every industrial cluster boundary'
      WHEN 'no_change_after_start_date' THEN '疑似闲置：超过约定动工日期，无动工记录且遥感未见变化 / suspected idle: past the agreed start date, no recorded start and no change seen'
    END,
    'basis', CASE $2
      WHEN 'construction_on_unsupplied' THEN '洛政办〔2021〕16号 §二(三)8, §四(二)'
      WHEN 'demolition_on_producing' THEN '洛政办〔2021〕16号 §四(二); annex 3 art. 2(4)'
      WHEN 'change_outside_cluster' THEN '产业集聚区国土空间规划; 洛政办〔2021〕16号 §四(二)'
      ELSE '闲置土地处置办法 (2012) 第二条; 洛政办〔2021〕16号 §四(二)' END,
    'as_of', $1,
    'measured', CASE WHEN ($4).id IS NULL
      THEN jsonb_build_object('days_past_agreed_start', $1 - ($7).agreed_start_on, 'agreed_start_on', ($7).agreed_start_on,
                              'started', false, 'changes_since_signed', 0)
      ELSE jsonb_build_object('overlap_m2', $9, 'overlap_share', $10, 'change_m2', analysis.m2(($4).area_m2))
        || CASE $2
          WHEN 'construction_on_unsupplied' THEN CASE WHEN $5 IS NOT NULL
            THEN jsonb_build_object('contract_in_force_at_image_after', false)
            ELSE jsonb_build_object('on_parcels_m2', greatest(analysis.m2(($4).area_m2) - $9, 0), 'batch_overlap_m2', $14,
                                    'approved', ($8).id IS NOT NULL) END
          WHEN 'construction_on_idle' THEN jsonb_build_object(
            'started', $11 IS NOT NULL, 'first_construction_on', $11, 'agreed_start_on', ($7).agreed_start_on,
            'days_since_agreed_start', $1 - ($7).agreed_start_on,
            'idle', $11 IS NULL AND ($1 - ($7).agreed_start_on) > analysis.rule_num($3, 'idle_days'),
            'halted', $12 IS NOT NULL, 'halted_since', $12, 'halted_days', $1 - $12)
          WHEN 'demolition_on_producing' THEN jsonb_build_object('completed_on', $13, 'stage', $6)
          WHEN 'change_outside_cluster' THEN jsonb_build_object('inside_m2', greatest(analysis.m2(($4).area_m2) - $9, 0))
          ELSE '{}'::jsonb END END,
    'test', CASE WHEN ($4).id IS NULL
      THEN format('days past agreed start %s > alert_no_change_grace_days %s; no start event; no %s change since %s',
                  $1 - ($7).agreed_start_on, analysis.rule_num($3, 'alert_no_change_grace_days'),
                  array_to_string(analysis.rule_list($3, 'alert_activity_change_types'), '/'), ($7).signed_on)
      ELSE format('%s: share %s >= %s or %s m² >= %s (and > area_tolerance %s)%s',
                  CASE $2 WHEN 'change_outside_cluster' THEN 'area outside every cluster'
                          WHEN 'construction_on_unsupplied' THEN CASE WHEN $5 IS NULL THEN 'area on no parcel' ELSE 'overlap with the parcel' END
                          ELSE 'overlap with the parcel' END,
                  $10, analysis.rule_num($3, 'alert_overlap_share'), $9, analysis.rule_num($3, 'alert_overlap_m2'),
                  analysis.rule_num($3, 'area_tolerance'),
                  CASE $2
                    WHEN 'construction_on_unsupplied' THEN CASE WHEN $5 IS NOT NULL THEN format('; no contract in force on %s', ($4).image_after) ELSE '' END
                    WHEN 'construction_on_idle' THEN CASE WHEN $11 IS NULL
                      THEN format('; no start recorded by %s (days since agreed start %s, idle_days %s)', $1, $1 - ($7).agreed_start_on,
                                  analysis.rule_num($3, 'idle_days'))
                      ELSE format('; halted since %s, no start or resumption since', $12) END
                    WHEN 'demolition_on_producing' THEN format('; completed %s, stage %s', coalesce($13::text, 'unrecorded'), $6)
                    ELSE '' END) END,
    'thresholds', CASE WHEN ($4).id IS NULL
      THEN jsonb_build_array(analysis.rule_cite($3, 'alert_no_change_grace_days'), analysis.rule_cite($3, 'alert_activity_change_types'))
      ELSE jsonb_build_array(analysis.rule_cite($3, 'alert_overlap_share'), analysis.rule_cite($3, 'alert_overlap_m2'),
                             analysis.rule_cite($3, 'area_tolerance'))
        || CASE $2 WHEN 'construction_on_unsupplied' THEN jsonb_build_array(analysis.rule_cite($3, 'construction_change_types'))
                   WHEN 'construction_on_idle' THEN jsonb_build_array(analysis.rule_cite($3, 'construction_change_types'),
                                                                      analysis.rule_cite($3, 'idle_days'))
                   ELSE '[]'::jsonb END END,
    'sources',
      CASE WHEN ($4).id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
        'table', 'rs_change', 'id', ($4).id, 'code', ($4).code, 'period', ($4).period, 'change_type', ($4).change_type,
        'image_before', ($4).image_before, 'image_after', ($4).image_after, 'change_m2', analysis.m2(($4).area_m2),
        'linked_to', ($4).linked_to)) END
      || CASE WHEN $5 IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('table', 'parcel', 'code', $5, 'stage', $6)) END
      || CASE WHEN ($7).id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
        'table', 'supply_contract', 'id', ($7).id, 'contract_no', ($7).contract_no, 'signed_on', ($7).signed_on,
        'agreed_start_on', ($7).agreed_start_on)) END
      || CASE WHEN ($8).id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
        'table', 'approval_batch', 'id', ($8).id, 'approval_no', ($8).approval_no, 'approved_on', ($8).approved_on)) END)
$$;
COMMENT ON FUNCTION analysis.alert_reason(date, text, jsonb, rs_change, text, text, supply_contract, approval_batch, numeric, numeric, date, date, date, numeric) IS
  'the reason of a patrol alert candidate: label, basis, measured values, the test, the county rules applied (with rule id, owner and effective date) and the source records';

-- The candidates with their reasons (for inspection and the tests; the writer words only the new ones).
CREATE OR REPLACE FUNCTION analysis.alert_candidates_explained(as_of date, change_ids bigint[] DEFAULT NULL, alert_types text[] DEFAULT NULL)
  RETURNS TABLE (type text, severity text, subject_key text, change_id bigint, root_change_id bigint,
                 parcel_id bigint, batch_id bigint, contract_id bigint, county_code char(6), cluster_code text,
                 overlap_m2 numeric, overlap_share numeric, seen_on date, reason jsonb)
  LANGUAGE sql STABLE AS $$
  SELECT c.type, c.severity, c.subject_key, c.change_id, c.root_change_id, c.parcel_id, c.batch_id, c.contract_id, c.county_code,
    c.cluster_code, c.overlap_m2, c.overlap_share, c.seen_on,
    analysis.alert_reason($1, c.type, r.rules, ch, p.code, p.stage, k, b, c.overlap_m2, c.overlap_share, c.built_on, c.halted_on,
                          c.completed_on, c.batch_overlap_m2)
  FROM analysis.alert_candidates($1, $2, $3) c
  JOIN analysis.rules_at($1) r ON r.county_code IS NOT DISTINCT FROM c.rule_county
  LEFT JOIN rs_change ch ON ch.id = c.change_id
  LEFT JOIN parcel p ON p.id = c.parcel_id
  LEFT JOIN supply_contract k ON k.id = c.contract_id
  LEFT JOIN approval_batch b ON b.id = c.batch_id
$$;
COMMENT ON FUNCTION analysis.alert_candidates_explained(date, bigint[], text[]) IS
  'analysis.alert_candidates with the reason of each (analysis.alert_reason)';

RESET check_function_bodies;
