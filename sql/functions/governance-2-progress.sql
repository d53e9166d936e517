/* The progress figures of the supervision rhythm (§四(三)), per cluster, county and the city, at a
   date and over a period of the same year: 批而未供 against 30% a year and 60% of the pre-2018
   stock (§一(二)1–2), idle and inefficient land found and disposed of against 40% a year
   (§一(二)2, §二(三)8), inefficient land by type and by disposal measure, the standard-land share
   (annex 2 art. 5), tax per mu against the target (§一(二)3), patrol alerts (§四(二)) and the
   disposal ledger (annex 3 art. 6). Every figure over parcels carries their codes.

   Everything is read as of a date, so that a past period gives today what it gave then whatever
   was recorded later with later dates: findings, remainders and rules by the analysis engine's
   as_of; ledger entries and alerts by the day they were recorded (created_at) and the dates in them. */

SET LOCAL check_function_bodies = off;

/* 标准地 share per unit for the year of as_of, from analysis.standard_land_shares (standard-land-3-shares.sql) when it
   is installed; else one row at level '*' with the missing marker. */
CREATE OR REPLACE FUNCTION governance.standard_land_figures(as_of date)
  RETURNS TABLE (level text, key text, figure jsonb)
  LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF to_regprocedure('analysis.standard_land_shares(integer,integer,date)') IS NULL THEN
    RETURN QUERY SELECT '*'::text, '*'::text, governance.missing(
      '标准地出让比例：本系统未安装标准地出让统计，本项暂不计算 / standard-land share: the standard-land sales '
      'statistics are not installed (analysis.standard_land_shares), so this figure is not computed');
    RETURN;
  END IF;
  RETURN QUERY EXECUTE $q$
    SELECT s.level, coalesce(s.code, 'city'), jsonb_build_object(
      'year', s.year, 'sold', s.sold, 'sold_mu', round(s.sold_mu, 6), 'standard', s.standard, 'standard_mu', round(s.standard_mu, 6),
      'share_area', round(s.share_area, 6), 'share_count', round(s.share_count, 6), 'target', s.target, 'met', s.met,
      'codes', coalesce((SELECT jsonb_agg(DISTINCT p.code ORDER BY p.code) FROM supply_contract c JOIN parcel p ON p.id = c.parcel_id
                         WHERE c.contract_no = ANY(s.contracts)), '[]'::jsonb))
    FROM analysis.standard_land_shares(extract(year FROM $1)::integer, extract(year FROM $1)::integer, $1) s
  $q$ USING as_of;
END $$;
COMMENT ON FUNCTION governance.standard_land_figures(date) IS
  '标准地 share per cluster, county and city (key ''city'') for the year of as_of, contracts signed by as_of, with the parcels sold as standard land; a level ''*'' missing marker when its analysis is not installed';

/* 亩均税收 per unit for a year, from analysis.permu_summary and analysis.permu_parcels (permu-*.sql) when
   installed; else the missing marker. Aggregates only: no enterprise appears. */
CREATE OR REPLACE FUNCTION governance.per_mu_figures(year integer)
  RETURNS TABLE (level text, key text, figure jsonb)
  LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF to_regprocedure('analysis.permu_summary(integer,integer)') IS NULL OR to_regprocedure('analysis.permu_parcels(integer,integer)') IS NULL THEN
    RETURN QUERY SELECT '*'::text, '*'::text, governance.missing(
      '亩均税收：本系统未安装亩均税收统计（依据企业年度经营数据），本项暂不计算 / tax per mu: the per-mu tax statistics '
      '(from the enterprises'' yearly figures) are not installed (analysis.permu_summary), so this figure is not computed');
    RETURN;
  END IF;
  RETURN QUERY EXECUTE $q$
    WITH pp AS MATERIALIZED (SELECT p.parcel_code, p.county_code::text AS county_code, p.cluster_code FROM analysis.permu_parcels($1, $1) p),
    codes AS (
      SELECT u.level, u.key, jsonb_agg(DISTINCT pp.parcel_code ORDER BY pp.parcel_code) AS codes
      FROM pp CROSS JOIN LATERAL (VALUES ('cluster', pp.cluster_code), ('county', pp.county_code), ('city', 'city')) u(level, key)
      WHERE u.key IS NOT NULL GROUP BY u.level, u.key
    )
    SELECT s.level, s.code, jsonb_build_object(
      'year', s.year, 'parcels', s.parcels, 'enterprises', s.enterprises, 'area_mu', round(s.area_mu, 6),
      'tax_per_mu', round(s.tax_per_mu, 6), 'target', s.target, 'attainment', round(s.attainment, 6),
      'met', s.tax_per_mu >= s.target, 'codes', coalesce(c.codes, '[]'::jsonb))
    FROM analysis.permu_summary($1, $1) s
    LEFT JOIN codes c ON c.level = s.level AND c.key = s.code
  $q$ USING year;
END $$;
COMMENT ON FUNCTION governance.per_mu_figures(integer) IS
  '亩均税收 per cluster, county and city (key ''city'') for a year against the target, with the parcels that had figures; a level ''*'' missing marker when its analysis is not installed';

/* Idle and inefficient findings at a date for some parcels (NULL: all), planned on their own:
   inlined into governance.progress, the rules' plans lose the constant parameters (a NULL id list,
   the date) and run each county's rule lookup once per parcel — minutes instead of a second on the
   demo data. plpgsql with a custom plan keeps them apart. At the materialised snapshot's date they
   are its rows (analysis.findings_at: those of queued parcels computed live), the same findings:
   a report of the current period computed 闲置 and 低效 now live as well as at the year start, half
   of its time (1.5 of 3.1 s on the demo city's 2 000 parcels). */
CREATE OR REPLACE FUNCTION governance.land_status_at(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, classification text, inefficient_type smallint, stage smallint, suspended boolean)
  LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan SET jit = off AS $$
BEGIN
  IF analysis.snapshot_for(as_of) THEN
    RETURN QUERY
      SELECT f.parcel_id, f.classification, f.inefficient_type, f.stage, f.suspended FROM analysis.findings_at(as_of, parcel_ids) f
      WHERE f.classification IN ('idle', 'inefficient');
    RETURN;
  END IF;
  RETURN QUERY
    SELECT f.parcel_id, f.classification, f.inefficient_type, f.stage, f.suspended FROM analysis.idle(as_of, parcel_ids) f
    UNION ALL
    SELECT f.parcel_id, f.classification, f.inefficient_type, f.stage, f.suspended FROM analysis.inefficient(as_of, parcel_ids) f;
END $$;
COMMENT ON FUNCTION governance.land_status_at(date, bigint[]) IS
  '闲置 and 低效 findings at a date (analysis.idle, analysis.inefficient) for some parcels (NULL: all): parcel, classification, type, stage, suspended';

/* The figures of every cluster, county and (for the whole city) the city, at as_of, with the period
   since `since` (a date of the same year, at the latest as_of; the year start for year-to-date).
   `fraction` is the part of the year the period ends at: the yearly targets due by then are
   target × fraction (on_track); `met` compares with the full yearly target. Clusters cover the land
   inside clusters; a county, all of its land. */
CREATE OR REPLACE FUNCTION governance.progress(as_of date, since date, scope text[] DEFAULT NULL,
                                               permu_year integer DEFAULT NULL, fraction numeric DEFAULT 1)
  RETURNS TABLE (level text, code text, name text, county_code text, figures jsonb)
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH cr AS (SELECT rs.rules FROM analysis.rules_at($1) rs WHERE rs.county_code IS NULL),
  dt AS MATERIALIZED (
    SELECT make_date(extract(year FROM $1)::integer - 1, 12, 31) AS ys,
           greatest(least($2, $1), make_date(extract(year FROM $1)::integer - 1, 12, 31)) AS since,
           analysis.rule_date(cr.rules, 'unsupplied_baseline_date') AS baseline,
           analysis.rule_num(cr.rules, 'unsupplied_yearly_target') AS u_target,
           analysis.rule_num(cr.rules, 'stock_revitalise_target') AS old_target,
           analysis.rule_date(cr.rules, 'stock_revitalise_deadline') AS old_deadline,
           analysis.rule_num(cr.rules, 'idle_disposal_yearly_target') AS idle_target,
           analysis.rule_num(cr.rules, 'inefficient_disposal_yearly_target') AS inef_target,
           -- once for the three dates (analysis.unsupplied_past_at)
           analysis.unsupplied_past_trusted() AS past_trusted
    FROM cr
  ),
  units AS (
    SELECT 'cluster' AS level, c.code AS key, c.name, c.county_code::text AS county_code FROM cluster c
    WHERE $3 IS NULL OR c.county_code = ANY($3)
    UNION ALL
    SELECT 'county', k.code::text, k.name, k.code::text FROM county k WHERE $3 IS NULL OR k.code = ANY($3)
    UNION ALL
    SELECT 'city', 'city', '洛阳市', NULL WHERE $3 IS NULL
  ),

  -- 批而未供: remainders now, at the year start, at `since` and at the baseline (the stored ones of
  -- the dates the refresh keeps, or only the batches whose cover changed in between overlaid
  -- again: analysis.unsupplied_past_at).
  u AS MATERIALIZED (
    SELECT u.batch_id, u.approval_no, u.county_code::text AS county_code, u.cluster_code, u.approved_on, u.old_stock, u.remainder_m2
    FROM analysis.unsupplied_at($1, CASE WHEN $3 IS NULL THEN NULL
                                    ELSE ARRAY(SELECT b.id FROM approval_batch b WHERE b.county_code = ANY($3)) END) u
  ),
  y0 AS (SELECT c.batch_id, c.remainder_m2 FROM dt CROSS JOIN LATERAL analysis.unsupplied_past_at(dt.ys, $1, dt.past_trusted) c),
  s0 AS (SELECT c.batch_id, c.remainder_m2 FROM dt CROSS JOIN LATERAL analysis.unsupplied_past_at(dt.since, $1, dt.past_trusted) c WHERE dt.since > dt.ys),
  b0 AS (SELECT c.batch_id, c.remainder_m2 FROM dt CROSS JOIN LATERAL analysis.unsupplied_past_at(dt.baseline, $1, dt.past_trusted) c WHERE dt.baseline <= $1),
  ub AS (
    SELECT u.*, u.approved_on <= dt.ys AS in_base,
      CASE WHEN u.approved_on <= dt.ys THEN coalesce(y0.remainder_m2, u.remainder_m2) END AS rem_ys,
      CASE WHEN u.approved_on <= dt.ys
           THEN coalesce(CASE WHEN dt.since > dt.ys THEN s0.remainder_m2 ELSE y0.remainder_m2 END, u.remainder_m2) END AS rem_since,
      CASE WHEN u.old_stock AND dt.baseline <= $1 AND u.approved_on <= dt.baseline THEN coalesce(b0.remainder_m2, u.remainder_m2) END AS rem_old
    FROM u CROSS JOIN dt
    LEFT JOIN y0 ON y0.batch_id = u.batch_id
    LEFT JOIN s0 ON s0.batch_id = u.batch_id
    LEFT JOIN b0 ON b0.batch_id = u.batch_id
  ),
  -- The parcels whose supply changed the year-start stock: a contract signed or terminated, or the
  -- parcel retired, after the year start (in_period: after `since`), on a batch of the stock.
  sp AS (
    SELECT DISTINCT b.county_code::text AS county_code, b.cluster_code, p.code, x.changed_on > dt.since AS in_period
    FROM dt CROSS JOIN parcel p
    CROSS JOIN LATERAL (
      SELECT max(d) AS changed_on FROM (
        SELECT c.signed_on AS d FROM supply_contract c WHERE c.parcel_id = p.id AND c.signed_on > dt.ys AND c.signed_on <= $1
        UNION ALL SELECT c.terminated_on FROM supply_contract c WHERE c.parcel_id = p.id AND c.terminated_on > dt.ys AND c.terminated_on <= $1
        UNION ALL SELECT analysis.local_date(p.retired_at) WHERE analysis.local_date(p.retired_at) > dt.ys AND analysis.local_date(p.retired_at) <= $1
      ) ds) x
    JOIN approval_batch b ON b.geom && p.geom AND ST_Relate(b.geom, p.geom, 'T********')
    WHERE x.changed_on IS NOT NULL AND b.approved_on <= dt.ys AND ($3 IS NULL OR b.county_code = ANY($3))
  ),
  agg_u AS (
    SELECT un.level, un.key, jsonb_build_object(
      'batches', count(x.batch_id),
      'stock_batches', count(x.batch_id) FILTER (WHERE x.remainder_m2 > 0),
      'stock_m2', coalesce(sum(x.remainder_m2), 0),
      'stock_mu', analysis.mu(coalesce(sum(x.remainder_m2), 0)),
      'year_start_stock_m2', coalesce(sum(x.rem_ys), 0),
      'digested_period_m2', coalesce(sum(x.rem_since) - sum(x.remainder_m2) FILTER (WHERE x.in_base), 0),
      'digested_ytd_m2', coalesce(sum(x.rem_ys) - sum(x.remainder_m2) FILTER (WHERE x.in_base), 0),
      'digested_ytd_mu', analysis.mu(coalesce(sum(x.rem_ys) - sum(x.remainder_m2) FILTER (WHERE x.in_base), 0)),
      'share_ytd', round((sum(x.rem_ys) - sum(x.remainder_m2) FILTER (WHERE x.in_base)) / nullif(sum(x.rem_ys), 0), 6),
      'approved_this_year', jsonb_build_object('batches', count(x.batch_id) FILTER (WHERE NOT x.in_base),
                                               'stock_m2', coalesce(sum(x.remainder_m2) FILTER (WHERE NOT x.in_base), 0)),
      'old_stock', jsonb_build_object(
        'baseline_m2', coalesce(sum(x.rem_old), 0),
        'remaining_m2', coalesce(sum(x.remainder_m2) FILTER (WHERE x.rem_old IS NOT NULL), 0),
        'revitalised_m2', coalesce(sum(x.rem_old) - sum(x.remainder_m2) FILTER (WHERE x.rem_old IS NOT NULL), 0),
        'share', round((sum(x.rem_old) - sum(x.remainder_m2) FILTER (WHERE x.rem_old IS NOT NULL)) / nullif(sum(x.rem_old), 0), 6)),
      'batch_refs', coalesce(jsonb_agg(x.approval_no ORDER BY x.approval_no) FILTER (WHERE x.remainder_m2 > 0), '[]'::jsonb)) AS m
    FROM units un
    LEFT JOIN (SELECT e.level, e.key, ub.* FROM ub
               CROSS JOIN LATERAL (VALUES ('cluster', ub.cluster_code), ('county', ub.county_code), ('city', 'city')) e(level, key)) x
      ON x.level = un.level AND x.key = un.key
    GROUP BY un.level, un.key
  ),
  agg_sp AS (
    SELECT un.level, un.key,
      coalesce(jsonb_agg(DISTINCT x.code ORDER BY x.code) FILTER (WHERE x.in_period), '[]'::jsonb) AS period_codes,
      coalesce(jsonb_agg(DISTINCT x.code ORDER BY x.code), '[]'::jsonb) AS ytd_codes
    FROM units un
    JOIN (SELECT e.level, e.key, sp.* FROM sp
          CROSS JOIN LATERAL (VALUES ('cluster', sp.cluster_code), ('county', sp.county_code), ('city', 'city')) e(level, key)) x
      ON x.level = un.level AND x.key = un.key
    GROUP BY un.level, un.key
  ),

  -- 闲置 and 低效 at the year start, at `since` and now (the rules of each date: a rule changed
  -- mid-year applies from its effective date on).
  ids AS (SELECT CASE WHEN $3 IS NULL THEN NULL ELSE ARRAY(SELECT p.id FROM parcel p WHERE p.county_code = ANY($3)) END AS ids),
  fx AS MATERIALIZED (
    SELECT 'now' AS d, f.* FROM ids CROSS JOIN LATERAL governance.land_status_at($1, ids.ids) f
    UNION ALL
    SELECT 'ys', f.* FROM ids CROSS JOIN dt CROSS JOIN LATERAL governance.land_status_at(dt.ys, ids.ids) f
    UNION ALL
    SELECT 'since', f.* FROM ids CROSS JOIN dt CROSS JOIN LATERAL governance.land_status_at(dt.since, ids.ids) f
    WHERE dt.since > dt.ys
  ),
  -- Per parcel: idle "active" is idle and not suspended by a government-caused delay (2012 art. 8);
  -- disposed = in the stock then, and no idle finding at all now (started, recovered, terminated…).
  pp AS (
    SELECT p.id, p.code, p.county_code::text AS county_code, p.cluster_code, analysis.m2(p.area_m2) AS area_m2,
      coalesce(bool_or(fx.d = 'ys' AND fx.classification = 'idle' AND NOT fx.suspended), false) AS idle_ys,
      coalesce(bool_or(fx.d = sd.d AND fx.classification = 'idle' AND NOT fx.suspended), false) AS idle_since,
      coalesce(bool_or(fx.d = 'now' AND fx.classification = 'idle' AND NOT fx.suspended), false) AS idle_now,
      coalesce(bool_or(fx.d = 'now' AND fx.classification = 'idle'), false) AS idle_any_now,
      coalesce(bool_or(fx.d = 'now' AND fx.classification = 'idle' AND fx.suspended), false) AS idle_suspended,
      max(fx.stage) FILTER (WHERE fx.d = 'now' AND fx.classification = 'idle' AND NOT fx.suspended) AS idle_stage,
      coalesce(bool_or(fx.d = 'ys' AND fx.classification = 'inefficient'), false) AS inef_ys,
      coalesce(bool_or(fx.d = sd.d AND fx.classification = 'inefficient'), false) AS inef_since,
      coalesce(bool_or(fx.d = 'now' AND fx.classification = 'inefficient'), false) AS inef_now,
      coalesce(array_agg(DISTINCT fx.inefficient_type) FILTER (WHERE fx.d = 'now' AND fx.inefficient_type IS NOT NULL), '{}') AS types_now
    FROM fx CROSS JOIN (SELECT CASE WHEN dt.since > dt.ys THEN 'since' ELSE 'ys' END AS d FROM dt) sd
    JOIN parcel p ON p.id = fx.parcel_id
    GROUP BY p.id
  ),
  agg_f AS (
    SELECT un.level, un.key, jsonb_build_object(
      'idle', jsonb_build_object(
        'year_start', governance.pset(count(x.id) FILTER (WHERE x.idle_ys), sum(x.area_m2) FILTER (WHERE x.idle_ys),
                                      jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.idle_ys)),
        'now', governance.pset(count(x.id) FILTER (WHERE x.idle_now), sum(x.area_m2) FILTER (WHERE x.idle_now),
                               jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.idle_now))
               || jsonb_build_object('stage1', count(x.id) FILTER (WHERE x.idle_stage = 1), 'stage2', count(x.id) FILTER (WHERE x.idle_stage = 2),
                                     'suspended', count(x.id) FILTER (WHERE x.idle_suspended AND NOT x.idle_now)),
        'found_period', governance.pset(count(x.id) FILTER (WHERE x.idle_now AND NOT x.idle_since),
                                        sum(x.area_m2) FILTER (WHERE x.idle_now AND NOT x.idle_since),
                                        jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.idle_now AND NOT x.idle_since)),
        'found_ytd', governance.pset(count(x.id) FILTER (WHERE x.idle_now AND NOT x.idle_ys),
                                     sum(x.area_m2) FILTER (WHERE x.idle_now AND NOT x.idle_ys),
                                     jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.idle_now AND NOT x.idle_ys)),
        'disposed_period', governance.pset(count(x.id) FILTER (WHERE x.idle_since AND NOT x.idle_any_now),
                                           sum(x.area_m2) FILTER (WHERE x.idle_since AND NOT x.idle_any_now),
                                           jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.idle_since AND NOT x.idle_any_now)),
        'disposed_ytd', governance.pset(count(x.id) FILTER (WHERE x.idle_ys AND NOT x.idle_any_now),
                                        sum(x.area_m2) FILTER (WHERE x.idle_ys AND NOT x.idle_any_now),
                                        jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.idle_ys AND NOT x.idle_any_now)),
        'share_ytd', round(coalesce(sum(x.area_m2) FILTER (WHERE x.idle_ys AND NOT x.idle_any_now), 0)
                           / nullif(sum(x.area_m2) FILTER (WHERE x.idle_ys), 0), 6)),
      'inefficient', jsonb_build_object(
        'year_start', governance.pset(count(x.id) FILTER (WHERE x.inef_ys), sum(x.area_m2) FILTER (WHERE x.inef_ys),
                                      jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.inef_ys)),
        'now', governance.pset(count(x.id) FILTER (WHERE x.inef_now), sum(x.area_m2) FILTER (WHERE x.inef_now),
                               jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.inef_now)),
        'found_period', governance.pset(count(x.id) FILTER (WHERE x.inef_now AND NOT x.inef_since),
                                        sum(x.area_m2) FILTER (WHERE x.inef_now AND NOT x.inef_since),
                                        jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.inef_now AND NOT x.inef_since)),
        'found_ytd', governance.pset(count(x.id) FILTER (WHERE x.inef_now AND NOT x.inef_ys),
                                     sum(x.area_m2) FILTER (WHERE x.inef_now AND NOT x.inef_ys),
                                     jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.inef_now AND NOT x.inef_ys)),
        'disposed_period', governance.pset(count(x.id) FILTER (WHERE x.inef_since AND NOT x.inef_now),
                                           sum(x.area_m2) FILTER (WHERE x.inef_since AND NOT x.inef_now),
                                           jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.inef_since AND NOT x.inef_now)),
        'disposed_ytd', governance.pset(count(x.id) FILTER (WHERE x.inef_ys AND NOT x.inef_now),
                                        sum(x.area_m2) FILTER (WHERE x.inef_ys AND NOT x.inef_now),
                                        jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE x.inef_ys AND NOT x.inef_now)),
        'share_ytd', round(coalesce(sum(x.area_m2) FILTER (WHERE x.inef_ys AND NOT x.inef_now), 0)
                           / nullif(sum(x.area_m2) FILTER (WHERE x.inef_ys), 0), 6),
        -- annex 3 art. 2 types 1–6; a parcel of several types counts in each
        'by_type', jsonb_build_object(
          '1', governance.pset(count(x.id) FILTER (WHERE 1 = ANY(x.types_now)), sum(x.area_m2) FILTER (WHERE 1 = ANY(x.types_now)),
                               jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE 1 = ANY(x.types_now))),
          '2', governance.pset(count(x.id) FILTER (WHERE 2 = ANY(x.types_now)), sum(x.area_m2) FILTER (WHERE 2 = ANY(x.types_now)),
                               jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE 2 = ANY(x.types_now))),
          '3', governance.pset(count(x.id) FILTER (WHERE 3 = ANY(x.types_now)), sum(x.area_m2) FILTER (WHERE 3 = ANY(x.types_now)),
                               jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE 3 = ANY(x.types_now))),
          '4', governance.pset(count(x.id) FILTER (WHERE 4 = ANY(x.types_now)), sum(x.area_m2) FILTER (WHERE 4 = ANY(x.types_now)),
                               jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE 4 = ANY(x.types_now))),
          '5', governance.pset(count(x.id) FILTER (WHERE 5 = ANY(x.types_now)), sum(x.area_m2) FILTER (WHERE 5 = ANY(x.types_now)),
                               jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE 5 = ANY(x.types_now))),
          '6', governance.pset(count(x.id) FILTER (WHERE 6 = ANY(x.types_now)), sum(x.area_m2) FILTER (WHERE 6 = ANY(x.types_now)),
                               jsonb_agg(x.code ORDER BY x.code) FILTER (WHERE 6 = ANY(x.types_now)))))) AS m
    FROM units un
    LEFT JOIN (SELECT e.level, e.key, pp.* FROM pp
               CROSS JOIN LATERAL (VALUES ('cluster', pp.cluster_code), ('county', pp.county_code), ('city', 'city')) e(level, key)) x
      ON x.level = un.level AND x.key = un.key
    GROUP BY un.level, un.key
  ),

  -- 工作台账 (annex 3 art. 6) as recorded by as_of: open, completed, overdue (deadline passed, not
  -- completed by as_of; the deadline day itself is not overdue).
  lg AS (
    SELECT l.id, l.measure, l.deadline, l.completed_on, l.responsible_unit, l.county_code::text AS county_code, p.cluster_code, p.code,
      coalesce(l.completed_on <= $1, false) AS done,
      coalesce(l.completed_on > dt.since AND l.completed_on <= $1, false) AS done_period,
      (l.completed_on IS NULL OR l.completed_on > $1) AND l.deadline < $1 AS overdue,
      coalesce(pp.idle_ys OR pp.idle_since OR pp.idle_now, false) AS of_idle,
      coalesce(pp.inef_ys OR pp.inef_since OR pp.inef_now, false) AS of_inef
    FROM disposal_ledger l JOIN parcel p ON p.id = l.parcel_id CROSS JOIN dt
    LEFT JOIN pp ON pp.id = l.parcel_id
    WHERE analysis.local_date(l.created_at) <= $1 AND ($3 IS NULL OR l.county_code = ANY($3))
  ),
  lgx AS (
    SELECT e.level, e.key, lg.* FROM lg
    CROSS JOIN LATERAL (VALUES ('cluster', lg.cluster_code), ('county', lg.county_code), ('city', 'city')) e(level, key)
  ),
  agg_l AS (
    SELECT un.level, un.key, jsonb_build_object(
      'entries', count(x.id),
      'open_at_end', count(x.id) FILTER (WHERE NOT x.done),
      'completed_period', count(x.id) FILTER (WHERE x.done_period),
      'overdue_at_end', count(x.id) FILTER (WHERE x.overdue),
      'overdue', coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'parcel_code', x.code, 'measure', x.measure, 'deadline', x.deadline,
                                                       'days_overdue', $1 - x.deadline, 'responsible_unit', x.responsible_unit)
                                    ORDER BY x.deadline, x.id) FILTER (WHERE x.overdue), '[]'::jsonb),
      'codes', coalesce(jsonb_agg(DISTINCT x.code ORDER BY x.code) FILTER (WHERE x.overdue), '[]'::jsonb)) AS m
    FROM units un LEFT JOIN lgx x ON x.level = un.level AND x.key = un.key
    GROUP BY un.level, un.key
  ),
  agg_m AS (
    SELECT z.level, z.key, jsonb_object_agg(z.class, z.by_measure) AS m
    FROM (
      SELECT y.level, y.key, y.class, jsonb_object_agg(y.measure, y.m) AS by_measure
      FROM (
        SELECT x.level, x.key, c.class, x.measure, jsonb_build_object(
          'entries', count(*), 'open', count(*) FILTER (WHERE NOT x.done), 'completed', count(*) FILTER (WHERE x.done),
          'completed_period', count(*) FILTER (WHERE x.done_period), 'overdue', count(*) FILTER (WHERE x.overdue),
          'codes', jsonb_agg(DISTINCT x.code ORDER BY x.code)) AS m
        FROM lgx x CROSS JOIN LATERAL (VALUES ('idle', x.of_idle), ('inefficient', x.of_inef)) c(class, yes)
        WHERE c.yes
        GROUP BY x.level, x.key, c.class, x.measure
      ) y GROUP BY y.level, y.key, y.class
    ) z GROUP BY z.level, z.key
  ),

  -- 巡查预警 (§四(二)) as of as_of: opened and closed in the period, open and overdue at the end.
  -- Closed is confirmed, false positive or closed, on its closing day (closed_at, else its last update).
  al AS (
    SELECT a.id, a.type, a.county_code::text AS county_code, a.cluster_code, p.code AS parcel_code, a.due_on,
      analysis.local_date(a.created_at) AS opened_on,
      CASE WHEN a.status IN ('confirmed','false_positive','closed') THEN analysis.local_date(coalesce(a.closed_at, a.updated_at)) END AS closed_on
    FROM alert a LEFT JOIN parcel p ON p.id = a.parcel_id
    WHERE analysis.local_date(a.created_at) <= $1 AND ($3 IS NULL OR a.county_code = ANY($3))
  ),
  alx AS (
    SELECT e.level, e.key, al.*,
      al.opened_on > dt.since AS opened_period,
      coalesce(al.closed_on > dt.since AND al.closed_on <= $1, false) AS closed_period,
      (al.closed_on IS NULL OR al.closed_on > $1) AS open_end,
      (al.closed_on IS NULL OR al.closed_on > $1) AND al.due_on < $1 AS overdue_end
    FROM al CROSS JOIN dt
    CROSS JOIN LATERAL (VALUES ('cluster', al.cluster_code), ('county', al.county_code), ('city', 'city')) e(level, key)
  ),
  agg_a AS (
    SELECT un.level, un.key, jsonb_build_object(
      'opened_period', count(x.id) FILTER (WHERE x.opened_period),
      'closed_period', count(x.id) FILTER (WHERE x.closed_period),
      'open_at_end', count(x.id) FILTER (WHERE x.open_end),
      'overdue_at_end', count(x.id) FILTER (WHERE x.overdue_end),
      'opened_ids', coalesce(jsonb_agg(x.id ORDER BY x.id) FILTER (WHERE x.opened_period), '[]'::jsonb),
      'closed_ids', coalesce(jsonb_agg(x.id ORDER BY x.id) FILTER (WHERE x.closed_period), '[]'::jsonb),
      'overdue', coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'type', x.type, 'parcel_code', x.parcel_code, 'due_on', x.due_on,
                                                       'days_overdue', $1 - x.due_on) ORDER BY x.due_on, x.id) FILTER (WHERE x.overdue_end), '[]'::jsonb),
      'codes', coalesce(jsonb_agg(DISTINCT x.parcel_code ORDER BY x.parcel_code)
                        FILTER (WHERE x.parcel_code IS NOT NULL AND (x.opened_period OR x.closed_period OR x.open_end)), '[]'::jsonb)) AS m
    FROM units un LEFT JOIN alx x ON x.level = un.level AND x.key = un.key
    GROUP BY un.level, un.key
  ),
  sl AS (SELECT * FROM governance.standard_land_figures($1)),
  pm AS (SELECT * FROM governance.per_mu_figures(coalesce($4, extract(year FROM $1)::integer - 1)))
  SELECT un.level, CASE WHEN un.level = 'city' THEN NULL ELSE un.key END, un.name, un.county_code, jsonb_build_object(
    'unsupplied', au.m || jsonb_build_object(
      'target', dt.u_target, 'target_to_date', dt.u_target * $5,
      'met', (au.m ->> 'share_ytd')::numeric >= dt.u_target,
      'on_track', (au.m ->> 'share_ytd')::numeric >= dt.u_target * $5,
      'old_stock', (au.m -> 'old_stock') || jsonb_build_object(
        'target', dt.old_target, 'deadline', dt.old_deadline, 'met', (au.m -> 'old_stock' ->> 'share')::numeric >= dt.old_target),
      'codes_period', coalesce(sp.period_codes, '[]'::jsonb), 'codes_ytd', coalesce(sp.ytd_codes, '[]'::jsonb)),
    'idle', (af.m -> 'idle') || jsonb_build_object(
      'target', dt.idle_target, 'target_to_date', dt.idle_target * $5,
      'met', (af.m -> 'idle' ->> 'share_ytd')::numeric >= dt.idle_target,
      'on_track', (af.m -> 'idle' ->> 'share_ytd')::numeric >= dt.idle_target * $5,
      'by_measure', coalesce(am.m -> 'idle', '{}'::jsonb)),
    'inefficient', (af.m -> 'inefficient') || jsonb_build_object(
      'target', dt.inef_target, 'target_to_date', dt.inef_target * $5,
      'met', (af.m -> 'inefficient' ->> 'share_ytd')::numeric >= dt.inef_target,
      'on_track', (af.m -> 'inefficient' ->> 'share_ytd')::numeric >= dt.inef_target * $5,
      'by_measure', coalesce(am.m -> 'inefficient', '{}'::jsonb)),
    'standard_land', coalesce(sl.figure, (SELECT s.figure FROM sl s WHERE s.level = '*'), governance.missing('no row')),
    'per_mu_tax', coalesce(pm.figure, (SELECT s.figure FROM pm s WHERE s.level = '*'), governance.missing('no row')),
    'alerts', aa.m,
    'ledger', al2.m)
  FROM units un CROSS JOIN dt
  JOIN agg_u au ON au.level = un.level AND au.key = un.key
  JOIN agg_f af ON af.level = un.level AND af.key = un.key
  JOIN agg_l al2 ON al2.level = un.level AND al2.key = un.key
  JOIN agg_a aa ON aa.level = un.level AND aa.key = un.key
  LEFT JOIN agg_sp sp ON sp.level = un.level AND sp.key = un.key
  LEFT JOIN agg_m am ON am.level = un.level AND am.key = un.key
  LEFT JOIN sl ON sl.level = un.level AND sl.key = un.key
  LEFT JOIN pm ON pm.level = un.level AND pm.key = un.key
$$;
COMMENT ON FUNCTION governance.progress(date, date, text[], integer, numeric) IS
  'per cluster, county and (scope NULL) the city at as_of and over the period since `since`: 批而未供 stock, digestion (period, year to date) against 30%/year and the pre-2018 stock against 60%; idle and inefficient found/disposed against 40%/year, inefficient by type, both by ledger measure; standard-land share; tax per mu (permu_year, default the year before); alerts opened/closed/open/overdue; ledger overdue. Figures over parcels carry their codes.';

RESET check_function_bodies;
