/* What was true of each parcel at a date (every classification can be asked as of a past date): the contract in force, the development
   events that had occurred, the latest measured values, each with the id of the record it came
   from so that every finding can cite its source. Nothing here decides a classification. */

-- The contract in force at a date: signed on or before it and not terminated by it.
CREATE OR REPLACE FUNCTION analysis.contract_at(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS SETOF supply_contract
  LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (c.parcel_id) c.*
  FROM supply_contract c
  WHERE c.signed_on <= $1 AND (c.terminated_on IS NULL OR c.terminated_on > $1)
    AND ($2 IS NULL OR c.parcel_id = ANY($2))
  ORDER BY c.parcel_id, c.signed_on DESC, c.id DESC
$$;
COMMENT ON FUNCTION analysis.contract_at(date, bigint[]) IS
  'per parcel, the supply contract in force at the date (signed on or before, not terminated by it; latest signed wins)';

-- The county rules the parcel rules (analysis-3..5) read from a parcel state's `rules`: only
-- these ride along with every parcel row. The whole set (49 rules, ~10 KB of jsonb) on each row
-- was copied into every materialised CTE, sort and hash of the rules: the full recompute of a
-- 50 000-parcel world wrote 5.3 GB of temporary files (1.4 GB with these keys only), and at 1M
-- parcels it filled the disk. A rule missing here fails loudly (analysis.rule_num raises).
CREATE OR REPLACE FUNCTION analysis.parcel_rule_keys() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['idle_days', 'idle_stage2_days', 'halt_days', 'idle_developed_share', 'idle_invested_share',
               'no_profit_years', 'rating_c_years', 'green_ratio_max', 'admin_share_max',
               'area_tolerance', 'construction_change_types', 'industrial_land_use_like', 'industrial_zone_types',
               'large_project_mu', 'phased_supply_from']
$$;
COMMENT ON FUNCTION analysis.parcel_rule_keys() IS 'the county rules the parcel rules read from analysis.parcel_state(...).rules';

-- Its columns are those of the table analysis.parcel_state_work (sql/migrations/1050), in order:
-- the full recompute stores these rows there, and analysis.parcel_state_of reads either.
CREATE OR REPLACE FUNCTION analysis.parcel_state(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS SETOF analysis.parcel_state_work
  LANGUAGE sql STABLE AS $$
  WITH ev AS MATERIALIZED (
    SELECT e.* FROM development_event e
    WHERE e.occurred_on <= $1 AND ($2 IS NULL OR e.parcel_id = ANY($2))
  ),
  -- The last start or resume: construction is going on from it until a later halt.
  go AS (
    SELECT DISTINCT ON (e.parcel_id) e.parcel_id, e.occurred_on, e.id
    FROM ev e WHERE e.kind IN ('start','resume')
    ORDER BY e.parcel_id, e.occurred_on DESC, e.id DESC
  ),
  -- Halted: the first halt after the last start/resume (2012 art. 2 "中止开发建设满一年" counts from it).
  halt AS (
    SELECT DISTINCT ON (e.parcel_id) e.parcel_id, e.occurred_on, e.id
    FROM ev e LEFT JOIN go ON go.parcel_id = e.parcel_id
    WHERE e.kind = 'halt' AND (go.parcel_id IS NULL OR (e.occurred_on, e.id) > (go.occurred_on, go.id))
    ORDER BY e.parcel_id, e.occurred_on, e.id
  ),
  firsts AS (
    SELECT e.parcel_id,
      min(e.occurred_on) FILTER (WHERE e.kind = 'start') AS started_on,
      (array_agg(e.id ORDER BY e.occurred_on, e.id) FILTER (WHERE e.kind = 'start'))[1] AS start_event_id,
      -- Completed: a completion, or an acceptance that presupposes it.
      min(e.occurred_on) FILTER (WHERE e.kind IN ('completion','completion_acceptance','production_acceptance')) AS completed_on,
      (array_agg(e.id ORDER BY e.occurred_on, e.id) FILTER (WHERE e.kind IN ('completion','completion_acceptance','production_acceptance')))[1] AS completion_event_id,
      min(e.occurred_on) FILTER (WHERE e.kind = 'completion_acceptance') AS accepted_on,
      (array_agg(e.id ORDER BY e.occurred_on, e.id) FILTER (WHERE e.kind = 'completion_acceptance'))[1] AS acceptance_event_id,
      min(e.occurred_on) FILTER (WHERE e.kind IN ('completion','completion_acceptance','production_acceptance')) AS producing_on,
      (array_agg(e.id ORDER BY e.occurred_on, e.id) FILTER (WHERE e.kind IN ('completion','completion_acceptance','production_acceptance')))[1] AS producing_event_id,
      (array_agg(e.developed_area_m2 ORDER BY e.occurred_on DESC, e.id DESC) FILTER (WHERE e.developed_area_m2 IS NOT NULL))[1] AS developed_m2,
      (array_agg(e.id ORDER BY e.occurred_on DESC, e.id DESC) FILTER (WHERE e.developed_area_m2 IS NOT NULL))[1] AS developed_event_id,
      max(e.occurred_on) FILTER (WHERE e.developed_area_m2 IS NOT NULL) AS developed_on,
      (array_agg(e.invested_wan ORDER BY e.occurred_on DESC, e.id DESC) FILTER (WHERE e.invested_wan IS NOT NULL))[1] AS invested_wan,
      (array_agg(e.id ORDER BY e.occurred_on DESC, e.id DESC) FILTER (WHERE e.invested_wan IS NOT NULL))[1] AS invested_event_id,
      max(e.occurred_on) FILTER (WHERE e.invested_wan IS NOT NULL) AS invested_on,
      -- Construction evidence (started, for idleness; built, for 未供即用): the first event that
      -- only a started project can have (a halt may record a delay before any start).
      (array_agg(e.id ORDER BY e.occurred_on, e.id) FILTER (WHERE e.kind IN ('start','progress','resume','completion','completion_acceptance','production_acceptance')))[1] AS build_event_id,
      min(e.occurred_on) FILTER (WHERE e.kind IN ('start','progress','resume','completion','completion_acceptance','production_acceptance')) AS build_on,
      (array_agg(e.kind ORDER BY e.occurred_on, e.id) FILTER (WHERE e.kind IN ('start','progress','resume','completion','completion_acceptance','production_acceptance')))[1] AS build_kind
    FROM ev e GROUP BY e.parcel_id
  ),
  -- A government-caused delay suspends idleness until the next start or resume that is not itself
  -- government-caused (2012 art. 8).
  gov AS (
    SELECT g.parcel_id, g.id, g.occurred_on, g.note
    FROM (SELECT DISTINCT ON (e.parcel_id) e.parcel_id, e.id, e.occurred_on, e.note
          FROM ev e WHERE e.government_caused
          ORDER BY e.parcel_id, e.occurred_on DESC, e.id DESC) g
    WHERE NOT EXISTS (
      SELECT 1 FROM ev r WHERE r.parcel_id = g.parcel_id AND r.kind IN ('start','resume') AND NOT r.government_caused
        AND (r.occurred_on, r.id) > (g.occurred_on, g.id))
  )
  SELECT p.id, p.code, p.county_code, p.cluster_code, p.land_use, analysis.m2(p.area_m2), rs.rules,
    c.id, c.contract_no, c.signed_on, c.agreed_start_on, c.land_user_code, c.land_use, c.total_investment_wan,
    -- 2012 art. 2 "应动工开发建设用地总面积": the contract's figure, else the whole parcel.
    coalesce(c.planned_floor_area_m2, p.area_m2),
    CASE WHEN c.id IS NULL THEN NULL WHEN c.planned_floor_area_m2 IS NOT NULL THEN 'supply_contract.planned_floor_area_m2' ELSE 'parcel.area_m2' END,
    f.started_on, f.start_event_id,
    h.occurred_on, h.id,
    f.completed_on, f.completion_event_id,
    f.accepted_on, f.acceptance_event_id,
    f.producing_on, f.producing_event_id,
    f.developed_m2, f.developed_event_id, f.developed_on,
    f.invested_wan, f.invested_event_id, f.invested_on,
    gv.id, gv.occurred_on, gv.note,
    f.build_event_id, f.build_on, f.build_kind
  FROM parcel p
  JOIN (SELECT r.county_code,
               (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(r.rules) e
                 WHERE e.key = ANY(analysis.parcel_rule_keys())) AS rules
          -- OFFSET 0: once per county, not pulled up and computed once per parcel
          FROM analysis.rules_at($1) r OFFSET 0) rs ON rs.county_code = p.county_code
  LEFT JOIN analysis.contract_at($1, $2) c ON c.parcel_id = p.id
  LEFT JOIN firsts f ON f.parcel_id = p.id
  LEFT JOIN halt h ON h.parcel_id = p.id
  LEFT JOIN gov gv ON gv.parcel_id = p.id
  WHERE ($2 IS NULL OR p.id = ANY($2))
    AND (p.retired_at IS NULL OR analysis.local_date(p.retired_at) > $1)
$$;
COMMENT ON FUNCTION analysis.parcel_state(date, bigint[]) IS
  'per parcel not retired by the date: the county rules the parcel rules read (analysis.parcel_rule_keys), the contract in force, and the development facts known at the date, each with the id of its source record';

-- The parcel state the four parcel rules (analysis-3..5) read. The full recompute (and a large
-- catch-up) computes it once per slice of parcels into analysis.parcel_state_work and sets
-- onemap.parcel_state_work to the date (analysis.state_work_fill): the rules
-- then read those rows instead of each computing the state again (4 times a slice: 4.6 s of
-- 16 s for the inefficient rule alone on a slice of 50 000 parcels). Otherwise, as everywhere
-- else (a card, an edit's refresh, a past date), it is analysis.parcel_state. The setting is
-- read when the statement starts, so only one of the two branches runs.
CREATE OR REPLACE FUNCTION analysis.parcel_state_of(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS SETOF analysis.parcel_state_work
  LANGUAGE sql STABLE AS $$
  SELECT w.* FROM analysis.parcel_state_work w
  WHERE current_setting('onemap.parcel_state_work', true) = $1::text AND ($2 IS NULL OR w.parcel_id = ANY($2))
  UNION ALL
  SELECT st.* FROM analysis.parcel_state($1, $2) st
  WHERE current_setting('onemap.parcel_state_work', true) IS DISTINCT FROM $1::text
$$;
COMMENT ON FUNCTION analysis.parcel_state_of(date, bigint[]) IS
  'analysis.parcel_state as the parcel rules read it: the rows of analysis.parcel_state_work while a recompute has set onemap.parcel_state_work to this date, else computed';
