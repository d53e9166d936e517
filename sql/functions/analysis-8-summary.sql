/* The dashboard numbers: counts and areas per cluster, per county and for the city, and the
   批而未供 progress against the targets of §一(二)1–2. Every area is a sum of 0.01 m² numerics,
   so the clusters add up to their county and to the city exactly. */

-- Batches approved by `since` (≤ as_of) whose remainder at `since` may differ from the one at
-- as_of: their supplied cover changed in between (a contract signed or terminated, a parcel
-- retired), or their county's sliver tolerance did (a sliver_m2 rule from a date in between).
-- Every other batch approved by `since` has the same remainder at both dates.
CREATE OR REPLACE FUNCTION analysis.unsupplied_changed_ids(since date, as_of date) RETURNS bigint[]
  LANGUAGE sql STABLE SET jit = off AS $$
  SELECT coalesce(array_agg(DISTINCT x.id), '{}') FROM (
    SELECT b.id
    FROM parcel p JOIN approval_batch b ON b.geom && p.geom AND ST_Intersects(b.geom, p.geom)
    WHERE $1 <= $2 AND b.approved_on <= $1
      AND (p.id IN (SELECT c.parcel_id FROM supply_contract c
                    WHERE (c.signed_on > $1 AND c.signed_on <= $2) OR (c.terminated_on > $1 AND c.terminated_on <= $2))
           OR (p.retired_at IS NOT NULL AND analysis.local_date(p.retired_at) > $1 AND analysis.local_date(p.retired_at) <= $2))
    UNION ALL
    SELECT b.id FROM approval_batch b
    WHERE $1 <= $2 AND b.approved_on <= $1
      AND b.county_code IN (SELECT n.county_code FROM analysis.rules_at($2) n LEFT JOIN analysis.rules_at($1) o ON o.county_code = n.county_code
                            WHERE n.county_code IS NOT NULL
                              AND (n.rules -> 'sliver_m2' -> 'value') IS DISTINCT FROM (o.rules -> 'sliver_m2' -> 'value'))
  ) x
$$;
COMMENT ON FUNCTION analysis.unsupplied_changed_ids(date, date) IS
  'the batches approved by `since` whose 批而未供 remainder at `since` may differ from the one at as_of (supplied cover or sliver tolerance changed in between)';

-- Remainders at an earlier date `since` (≤ as_of) of only the batches whose remainder may differ
-- at as_of: the live overlay, one second overlay of those batches. The ids go in as a sub-select,
-- computed once: a plain call would be inlined into analysis.unsupplied's every use of them and
-- run once per batch (minutes on the demo city).
CREATE OR REPLACE FUNCTION analysis.unsupplied_changed_since(since date, as_of date)
  RETURNS TABLE (batch_id bigint, remainder_m2 numeric)
  LANGUAGE sql STABLE SET jit = off AS $$
  SELECT u.batch_id, u.remainder_m2 FROM analysis.unsupplied($1, (SELECT analysis.unsupplied_changed_ids($1, $2))) u WHERE $1 <= $2
$$;
COMMENT ON FUNCTION analysis.unsupplied_changed_since(date, date) IS
  '批而未供 remainders at `since` of only those batches whose remainder may differ at as_of (analysis.unsupplied_changed_ids), computed live';

-- The guards of the stored past remainders (analysis-8b-past.sql: the freshness they rely on).
-- The code a past remainder comes from: every function of the analysis schema and the project's
-- own functions of public (ellipsoidal_area_m2, …), with the PostGIS and GEOS versions that run
-- the overlay. Re-creating the functions with the same text at a start gives the same value.
CREATE OR REPLACE FUNCTION analysis.unsupplied_past_definition() RETURNS text
  LANGUAGE sql STABLE AS $$
  SELECT md5(string_agg(pg_get_functiondef(p.oid), E'\n' ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
             || postgis_lib_version() || postgis_geos_version())
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE p.prokind = 'f'
    AND (n.nspname = 'analysis'
         OR (n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_depend d
               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')))
$$;
COMMENT ON FUNCTION analysis.unsupplied_past_definition() IS
  'fingerprint of the code that computes a past 批而未供 remainder (the analysis functions, the project''s public functions, PostGIS and GEOS versions)';

-- May the stored remainders be read? Not after a write the freshness triggers did not see, nor
-- when other code computed them. The fingerprint as a sub-select: computed once, when run (as a
-- plain comparison the planner would compute it a second time, to estimate the row count).
CREATE OR REPLACE FUNCTION analysis.unsupplied_past_trusted() RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_unsure)
     AND EXISTS (SELECT 1 FROM analysis.unsupplied_past_code c WHERE c.definition = (SELECT analysis.unsupplied_past_definition()))
$$;
COMMENT ON FUNCTION analysis.unsupplied_past_trusted() IS
  'true when the stored past 批而未供 remainders are those the live computation gives (no unguarded write since the last full recompute, same code)';

-- The remainders at an earlier date `since` (≤ as_of) that a progress figure needs besides those
-- at as_of. When `since` is a stored date that may be read (analysis.unsupplied_past, kept by the refresh:
-- analysis-8b-past.sql), the stored remainders of every batch approved by then, those of the
-- batches a queued deferred write meets (stale) overlaid live if their cover changed since; else only
-- the batches whose remainder may have changed since, overlaid live. Either way a batch approved
-- by `since` and not returned has the same remainder at both dates, so callers take
-- coalesce(this, remainder at as_of) and get the same numbers from both paths.
-- `trusted` is analysis.unsupplied_past_trusted() (above: no write the freshness triggers did not
-- see since the last full recompute, and the code that stored them), which the caller computes
-- once for all the dates it reads: its code fingerprint costs milliseconds (every analysis
-- function's definition hashed) and is the same for every call of one statement. (The form
-- without it, which computed it at each date, is dropped.)
DROP FUNCTION IF EXISTS analysis.unsupplied_past_at(date, date);
CREATE OR REPLACE FUNCTION analysis.unsupplied_past_at(since date, as_of date, trusted boolean)
  RETURNS TABLE (batch_id bigint, remainder_m2 numeric)
  LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
  stale bigint[];
BEGIN
  IF since > as_of THEN RETURN; END IF;
  IF NOT trusted OR NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_date d WHERE d.since = unsupplied_past_at.since) THEN
    RETURN QUERY SELECT c.batch_id, c.remainder_m2 FROM analysis.unsupplied_changed_since(unsupplied_past_at.since, unsupplied_past_at.as_of) c;
    RETURN;
  END IF;
  stale := CASE WHEN EXISTS (SELECT 1 FROM analysis.pending_parcel) THEN analysis.pending_batches() ELSE '{}' END;
  RETURN QUERY SELECT s.batch_id, s.remainder_m2::numeric FROM analysis.unsupplied_past s
    WHERE s.since = unsupplied_past_at.since AND NOT EXISTS (SELECT 1 FROM unnest(stale) q(id) WHERE q.id = s.batch_id);
  -- A queued batch's remainder at as_of is computed live by the caller (analysis.unsupplied_at);
  -- its past one differs from it only if its cover changed since, as in the live overlay.
  IF cardinality(stale) > 0 THEN
    RETURN QUERY SELECT u.batch_id, u.remainder_m2 FROM analysis.unsupplied(unsupplied_past_at.since, ARRAY(
      SELECT unnest(stale) INTERSECT SELECT unnest(analysis.unsupplied_changed_ids(unsupplied_past_at.since, unsupplied_past_at.as_of)))) u;
  END IF;
END $$;
COMMENT ON FUNCTION analysis.unsupplied_past_at(date, date, boolean) IS
  '批而未供 remainders at `since` (≤ as_of) that differ from or are not known equal to those at as_of: stored ones for a stored date when trusted (analysis.unsupplied_past_trusted(), computed once by the caller; queued batches live), else those of analysis.unsupplied_changed_since; missing batches have the as_of remainder';

-- jit = off here and on every entry point: JIT compiling these plans costs far more (seconds)
-- than running them, since the work is in PostGIS functions that JIT cannot speed up.
CREATE OR REPLACE FUNCTION analysis.summary(as_of date, scope text[] DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH cr AS (SELECT rs.rules FROM analysis.rules_at($1) rs WHERE rs.county_code IS NULL),
  dt AS MATERIALIZED (
    SELECT analysis.rule_date(cr.rules, 'unsupplied_baseline_date') AS baseline,
           make_date(extract(year FROM $1)::integer - 1, 12, 31) AS year_start,
           analysis.rule_num(cr.rules, 'unsupplied_yearly_target') AS yearly_target,
           analysis.rule_num(cr.rules, 'stock_revitalise_target') AS old_target,
           analysis.rule_date(cr.rules, 'stock_revitalise_deadline') AS deadline,
           cr.rules,
           -- once for both dates (analysis.unsupplied_past_at)
           analysis.unsupplied_past_trusted() AS past_trusted
    FROM cr
  ),
  u AS (
    SELECT u.* FROM analysis.unsupplied_at($1) u
    WHERE $2 IS NULL OR u.county_code = ANY($2)
  ),
  -- per batch, its remainder at the baseline date and at the year start where it differs from the
  -- one at as_of (analysis.unsupplied_past_at; one row per batch and date)
  past AS (
    SELECT c.batch_id, min(c.remainder_m2) FILTER (WHERE k.n = 1) AS at_baseline, min(c.remainder_m2) FILTER (WHERE k.n = 2) AS at_year_start
    FROM dt CROSS JOIN LATERAL unnest(ARRAY[dt.baseline, dt.year_start]) WITH ORDINALITY k(since, n)
    CROSS JOIN LATERAL analysis.unsupplied_past_at(k.since, $1, dt.past_trusted) c
    GROUP BY c.batch_id
  ),
  bf AS (
    SELECT u.county_code, u.cluster_code, u.batch_m2, u.supplied_m2, u.remainder_m2, u.sliver_count, u.sliver_m2, u.old_stock,
      CASE WHEN dt.baseline <= $1 AND u.approved_on <= dt.baseline THEN coalesce(pa.at_baseline, u.remainder_m2) END AS rem_baseline,
      CASE WHEN dt.baseline <= $1 AND u.approved_on <= dt.baseline THEN u.remainder_m2 END AS now_of_baseline,
      CASE WHEN u.approved_on <= dt.year_start THEN coalesce(pa.at_year_start, u.remainder_m2) END AS rem_year_start,
      CASE WHEN u.approved_on <= dt.year_start THEN u.remainder_m2 END AS now_of_year_start
    FROM u CROSS JOIN dt
    LEFT JOIN past pa ON pa.batch_id = u.batch_id
  ),
  agg_u AS (
    SELECT CASE WHEN GROUPING(bf.cluster_code) = 0 THEN 'cluster' WHEN GROUPING(bf.county_code) = 0 THEN 'county' ELSE 'city' END AS level,
      CASE WHEN GROUPING(bf.cluster_code) = 0 THEN bf.cluster_code WHEN GROUPING(bf.county_code) = 0 THEN bf.county_code::text END AS key,
      jsonb_build_object(
        'batches', count(*),
        'batch_m2', coalesce(sum(bf.batch_m2), 0),
        'supplied_m2', coalesce(sum(bf.supplied_m2), 0),
        'remainder_m2', coalesce(sum(bf.remainder_m2), 0),
        'remainder_mu', coalesce(analysis.mu(sum(bf.remainder_m2)), 0),
        'sliver_count', coalesce(sum(bf.sliver_count), 0),
        'sliver_m2', coalesce(sum(bf.sliver_m2), 0),
        'digestion_rate', round((sum(bf.batch_m2) - sum(bf.remainder_m2)) / nullif(sum(bf.batch_m2), 0), 6),
        'unsupplied_batches', count(*) FILTER (WHERE bf.remainder_m2 > 0),
        'old_stock', jsonb_build_object(
          'batches', count(*) FILTER (WHERE bf.old_stock),
          'remainder_m2', coalesce(sum(bf.remainder_m2) FILTER (WHERE bf.old_stock), 0),
          'remainder_mu', coalesce(analysis.mu(sum(bf.remainder_m2) FILTER (WHERE bf.old_stock)), 0)),
        'progress', jsonb_build_object(
          'baseline_stock_m2', sum(bf.rem_baseline),
          'digested_since_baseline_m2', sum(bf.rem_baseline) - sum(bf.now_of_baseline),
          'share_since_baseline', round((sum(bf.rem_baseline) - sum(bf.now_of_baseline)) / nullif(sum(bf.rem_baseline), 0), 6),
          'year_start_stock_m2', sum(bf.rem_year_start),
          'digested_this_year_m2', sum(bf.rem_year_start) - sum(bf.now_of_year_start),
          'share_this_year', round((sum(bf.rem_year_start) - sum(bf.now_of_year_start)) / nullif(sum(bf.rem_year_start), 0), 6),
          'yearly_target_met', (sum(bf.rem_year_start) - sum(bf.now_of_year_start)) >= min(dt.yearly_target) * sum(bf.rem_year_start),
          'old_stock_baseline_m2', sum(bf.rem_baseline) FILTER (WHERE bf.old_stock),
          'old_stock_revitalised_m2', sum(bf.rem_baseline) FILTER (WHERE bf.old_stock) - sum(bf.now_of_baseline) FILTER (WHERE bf.old_stock),
          'old_stock_share', round((sum(bf.rem_baseline) FILTER (WHERE bf.old_stock) - sum(bf.now_of_baseline) FILTER (WHERE bf.old_stock))
                                   / nullif(sum(bf.rem_baseline) FILTER (WHERE bf.old_stock), 0), 6),
          'old_stock_target_met', (sum(bf.rem_baseline) FILTER (WHERE bf.old_stock) - sum(bf.now_of_baseline) FILTER (WHERE bf.old_stock))
                                   >= min(dt.old_target) * sum(bf.rem_baseline) FILTER (WHERE bf.old_stock))) AS m
    FROM bf CROSS JOIN dt
    GROUP BY GROUPING SETS ((bf.cluster_code), (bf.county_code), ())
  ),
  pf AS (
    SELECT f.parcel_id, f.county_code, f.cluster_code, f.area_m2,
      bool_or(f.classification = 'idle' AND NOT f.suspended) AS idle,
      bool_or(f.classification = 'idle' AND f.suspended) AS idle_suspended,
      max(f.stage) FILTER (WHERE f.classification = 'idle' AND NOT f.suspended) AS idle_stage,
      bool_or(f.classification = 'inefficient') AS inefficient,
      array_agg(f.inefficient_type) FILTER (WHERE f.inefficient_type IS NOT NULL) AS types,
      bool_or(f.classification = 'used_before_supply') AS used,
      array_agg(f.rule) FILTER (WHERE f.classification = 'conformity') AS conformity
    FROM analysis.findings_at($1) f
    WHERE $2 IS NULL OR f.county_code = ANY($2)
    GROUP BY f.parcel_id, f.county_code, f.cluster_code, f.area_m2
  ),
  agg_p AS (
    SELECT CASE WHEN GROUPING(pf.cluster_code) = 0 THEN 'cluster' WHEN GROUPING(pf.county_code) = 0 THEN 'county' ELSE 'city' END AS level,
      CASE WHEN GROUPING(pf.cluster_code) = 0 THEN pf.cluster_code WHEN GROUPING(pf.county_code) = 0 THEN pf.county_code::text END AS key,
      jsonb_build_object(
        'idle', jsonb_build_object(
          'parcels', count(*) FILTER (WHERE pf.idle),
          'area_m2', coalesce(sum(pf.area_m2) FILTER (WHERE pf.idle), 0),
          'area_mu', coalesce(analysis.mu(sum(pf.area_m2) FILTER (WHERE pf.idle)), 0),
          'stage1', count(*) FILTER (WHERE pf.idle_stage = 1),
          'stage2', count(*) FILTER (WHERE pf.idle_stage = 2),
          'suspended', count(*) FILTER (WHERE pf.idle_suspended)),
        'inefficient', jsonb_build_object(
          'parcels', count(*) FILTER (WHERE pf.inefficient),
          'area_m2', coalesce(sum(pf.area_m2) FILTER (WHERE pf.inefficient), 0),
          'area_mu', coalesce(analysis.mu(sum(pf.area_m2) FILTER (WHERE pf.inefficient)), 0),
          'by_type', jsonb_build_object(
            '1', count(*) FILTER (WHERE 1 = ANY(pf.types)), '2', count(*) FILTER (WHERE 2 = ANY(pf.types)),
            '3', count(*) FILTER (WHERE 3 = ANY(pf.types)), '4', count(*) FILTER (WHERE 4 = ANY(pf.types)),
            '5', count(*) FILTER (WHERE 5 = ANY(pf.types)), '6', count(*) FILTER (WHERE 6 = ANY(pf.types)))),
        'used_before_supply', jsonb_build_object(
          'parcels', count(*) FILTER (WHERE pf.used),
          'area_m2', coalesce(sum(pf.area_m2) FILTER (WHERE pf.used), 0),
          'area_mu', coalesce(analysis.mu(sum(pf.area_m2) FILTER (WHERE pf.used)), 0)),
        'conformity', jsonb_build_object(
          'parcels', count(*) FILTER (WHERE pf.conformity IS NOT NULL),
          'area_m2', coalesce(sum(pf.area_m2) FILTER (WHERE pf.conformity IS NOT NULL), 0),
          'by_rule', jsonb_build_object(
            'outside_cluster', count(*) FILTER (WHERE 'conformity.outside_cluster' = ANY(pf.conformity)),
            'non_industrial_zone', count(*) FILTER (WHERE 'conformity.non_industrial_zone' = ANY(pf.conformity)),
            'industry_not_leading', count(*) FILTER (WHERE 'conformity.industry_not_leading' = ANY(pf.conformity)),
            'large_single_supply', count(*) FILTER (WHERE 'conformity.large_single_supply' = ANY(pf.conformity))))) AS m
    FROM pf
    GROUP BY GROUPING SETS ((pf.cluster_code), (pf.county_code), ())
  ),
  agg_c AS (
    SELECT CASE WHEN GROUPING(c.cluster_code) = 0 THEN 'cluster' WHEN GROUPING(c.county_code) = 0 THEN 'county' ELSE 'city' END AS level,
      CASE WHEN GROUPING(c.cluster_code) = 0 THEN c.cluster_code WHEN GROUPING(c.county_code) = 0 THEN c.county_code::text END AS key,
      jsonb_build_object('changes', count(*), 'area_m2', coalesce(sum(c.area_m2), 0), 'area_mu', coalesce(analysis.mu(sum(c.area_m2)), 0)) AS m
    FROM analysis.used_before_supply_changes_at($1) c
    WHERE $2 IS NULL OR c.county_code = ANY($2)
    GROUP BY GROUPING SETS ((c.cluster_code), (c.county_code), ())
  ),
  empty AS (
    SELECT jsonb_build_object(
      'unsupplied', jsonb_build_object('batches', 0, 'batch_m2', 0, 'supplied_m2', 0, 'remainder_m2', 0, 'remainder_mu', 0,
        'sliver_count', 0, 'sliver_m2', 0, 'digestion_rate', NULL, 'unsupplied_batches', 0,
        'old_stock', jsonb_build_object('batches', 0, 'remainder_m2', 0, 'remainder_mu', 0), 'progress', NULL),
      'idle', jsonb_build_object('parcels', 0, 'area_m2', 0, 'area_mu', 0, 'stage1', 0, 'stage2', 0, 'suspended', 0),
      'inefficient', jsonb_build_object('parcels', 0, 'area_m2', 0, 'area_mu', 0,
        'by_type', jsonb_build_object('1', 0, '2', 0, '3', 0, '4', 0, '5', 0, '6', 0)),
      'used_before_supply', jsonb_build_object('parcels', 0, 'area_m2', 0, 'area_mu', 0),
      'used_before_supply_changes', jsonb_build_object('changes', 0, 'area_m2', 0, 'area_mu', 0),
      'conformity', jsonb_build_object('parcels', 0, 'area_m2', 0,
        'by_rule', jsonb_build_object('outside_cluster', 0, 'non_industrial_zone', 0, 'industry_not_leading', 0, 'large_single_supply', 0))) AS m
  ),
  groups AS (
    SELECT 'cluster' AS level, c.code AS key, jsonb_build_object('cluster_code', c.code, 'cluster_name', c.name, 'county_code', c.county_code) AS head
    FROM cluster c WHERE $2 IS NULL OR c.county_code = ANY($2)
    UNION ALL
    -- Batches, parcels and changes outside every cluster get a row of their own, or the
    -- clusters would not add up to the city.
    SELECT 'cluster', NULL, jsonb_build_object('cluster_code', NULL, 'cluster_name', '集聚区外 / outside every cluster', 'county_code', NULL)
    WHERE EXISTS (SELECT 1 FROM agg_u WHERE level = 'cluster' AND key IS NULL)
       OR EXISTS (SELECT 1 FROM agg_p WHERE level = 'cluster' AND key IS NULL)
       OR EXISTS (SELECT 1 FROM agg_c WHERE level = 'cluster' AND key IS NULL)
    UNION ALL
    SELECT 'county', k.code, jsonb_build_object('county_code', k.code, 'county_name', k.name)
    FROM county k WHERE $2 IS NULL OR k.code = ANY($2)
    UNION ALL
    SELECT 'county', NULL, jsonb_build_object('county_code', NULL, 'county_name', '未知区县 / no county')
    WHERE EXISTS (SELECT 1 FROM agg_c WHERE level = 'county' AND key IS NULL)
    UNION ALL
    SELECT 'city', NULL, '{}'::jsonb
  ),
  rows AS (
    SELECT g.level, g.key,
      g.head || jsonb_build_object(
        'unsupplied', coalesce(au.m, (SELECT m -> 'unsupplied' FROM empty)),
        'used_before_supply_changes', coalesce(ac.m, (SELECT m -> 'used_before_supply_changes' FROM empty)))
      || coalesce(ap.m, (SELECT m - 'unsupplied' - 'used_before_supply_changes' FROM empty)) AS j
    FROM groups g
    LEFT JOIN agg_u au ON au.level = g.level AND au.key IS NOT DISTINCT FROM g.key
    LEFT JOIN agg_p ap ON ap.level = g.level AND ap.key IS NOT DISTINCT FROM g.key
    LEFT JOIN agg_c ac ON ac.level = g.level AND ac.key IS NOT DISTINCT FROM g.key
  )
  SELECT jsonb_build_object(
    'as_of', $1,
    'materialised', analysis.materialised_for($1),
    'targets', (SELECT jsonb_build_object(
        'baseline_date', dt.baseline, 'year_start', dt.year_start,
        'yearly_target', dt.yearly_target, 'old_stock_target', dt.old_target, 'old_stock_deadline', dt.deadline,
        'old_stock_cutoff', analysis.rule_date(dt.rules, 'stock_cutoff_date'),
        'rules', jsonb_build_array(analysis.rule_cite(dt.rules, 'unsupplied_baseline_date'), analysis.rule_cite(dt.rules, 'unsupplied_yearly_target'),
                                   analysis.rule_cite(dt.rules, 'stock_cutoff_date'), analysis.rule_cite(dt.rules, 'stock_revitalise_target'),
                                   analysis.rule_cite(dt.rules, 'stock_revitalise_deadline'))) FROM dt),
    'clusters', (SELECT coalesce(jsonb_agg(r.j ORDER BY r.key NULLS LAST), '[]') FROM rows r WHERE r.level = 'cluster'),
    'counties', (SELECT coalesce(jsonb_agg(r.j ORDER BY r.key NULLS LAST), '[]') FROM rows r WHERE r.level = 'county'),
    'city', (SELECT r.j FROM rows r WHERE r.level = 'city'))
$$;
COMMENT ON FUNCTION analysis.summary(date, text[]) IS
  'counts and areas per cluster, county and city at a date (批而未供 with progress against the 30%/year and 60%-of-old-stock targets, idle by stage, inefficient by type, used before supply, conformity), within a county scope (NULL = city); clusters add up to the city exactly';
