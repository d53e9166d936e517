/* 低效 inefficient land (洛阳市推进低效工业用地再开发实施细则 = annex 3, art. 2): six types, each
   its own rule; a parcel can carry several. Values from enterprise figures (profit, rating,
   output) are marked 'sensitive' so that the API hides them from roles that may not see them. */

-- The seven contract indicators of annex 3 art. 2(3) and the direction the annex gives each:
-- five minimums, and two maximums with national defaults when the contract sets none.
CREATE OR REPLACE FUNCTION analysis.contract_indicators_7()
  RETURNS TABLE (indicator text, direction text, default_key text, label text, sensitive boolean)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  VALUES ('plot_ratio', 'min', NULL, '容积率', false),
         ('building_density', 'min', NULL, '建筑密度', false),
         ('investment_intensity', 'min', NULL, '投资强度', false),
         ('output_intensity', 'min', NULL, '产出强度', true),
         ('building_coefficient', 'min', NULL, '建筑系数', false),
         ('green_ratio', 'max', 'green_ratio_max', '绿地率', false),
         ('admin_share', 'max', 'admin_share_max', '行政办公及生活服务设施用地比例', false)
$$;
COMMENT ON FUNCTION analysis.contract_indicators_7() IS
  'the 7 contract indicators of annex 3 art. 2(3): name, direction (min/max), the county rule holding its default, Chinese label, whether it is sensitive';

CREATE OR REPLACE FUNCTION analysis.inefficient(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, county_code char(6), cluster_code text, classification text, rule text,
                 inefficient_type smallint, stage smallint, suspended boolean, area_m2 numeric, reason jsonb)
  LANGUAGE sql STABLE AS $$
  WITH s AS MATERIALIZED (
    SELECT st.* FROM analysis.parcel_state_of($1, $2) st
  ),
  y AS (SELECT extract(year FROM $1)::integer AS this_year),
  -- Types 1 and 6: flags set by an official, in force at the date.
  flags AS (
    SELECT f.parcel_id, f.kind,
      jsonb_agg(jsonb_build_object('table', 'parcel_flag', 'id', f.id, 'reason', f.reason, 'set_by', f.set_by,
                                   'set_on', f.set_on, 'cleared_on', f.cleared_on) ORDER BY f.set_on, f.id) AS src
    FROM parcel_flag f
    WHERE f.set_on <= $1 AND (f.cleared_on IS NULL OR f.cleared_on > $1) AND ($2 IS NULL OR f.parcel_id = ANY($2))
    GROUP BY f.parcel_id, f.kind
  ),
  -- Type 3: the latest measured value of each indicator at the date, looked up per parcel in
  -- production (an index probe each): joining a set of all measurements to s instead let the
  -- planner, which cannot see how many parcels an id array holds, pick a nested loop over s for
  -- every measurement — 75 s for 5000 parcels where the whole city takes 5 s. Each parcel's
  -- checks are aggregated on their own (a LATERAL aggregate; HAVING: no row for a parcel without
  -- measurements): grouping the checks of a whole slice sorted them all, 6.9 s of a 50 000-parcel slice.
  type3 AS (
    SELECT s.parcel_id, t.measured, t.misses, t.test, t.src, t.unchecked, t.sensitive
    FROM s CROSS JOIN LATERAL (
      SELECT
        jsonb_object_agg(c.indicator, c.measured) AS measured,
        jsonb_agg(jsonb_build_object('indicator', c.indicator, 'label', c.label, 'direction', c.direction,
                                     'limit', c.limit_value, 'limit_source', c.limit_src) ORDER BY c.indicator)
          FILTER (WHERE (c.direction = 'min' AND c.measured < c.limit_value) OR (c.direction = 'max' AND c.measured > c.limit_value)) AS misses,
        string_agg(format('%s %s %s %s', c.indicator, c.measured, CASE c.direction WHEN 'min' THEN '<' ELSE '>' END, c.limit_value), ' or ' ORDER BY c.indicator)
          FILTER (WHERE (c.direction = 'min' AND c.measured < c.limit_value) OR (c.direction = 'max' AND c.measured > c.limit_value)) AS test,
        jsonb_agg(DISTINCT jsonb_build_object('table', 'development_event', 'id', c.event_id, 'field', 'measured', 'occurred_on', c.occurred_on)) AS src,
        array_agg(c.indicator ORDER BY c.indicator) FILTER (WHERE c.limit_value IS NULL) AS unchecked,
        bool_or(c.sensitive) AS sensitive
      FROM (
        SELECT d.indicator, d.direction, d.label, d.sensitive, m.value AS measured, m.event_id, m.occurred_on,
          coalesce(ci.value, CASE WHEN d.default_key IS NOT NULL THEN analysis.rule_num(s.rules, d.default_key) END) AS limit_value,
          CASE WHEN ci.value IS NOT NULL
               THEN jsonb_build_object('table', 'contract_indicator', 'contract_id', s.contract_id, 'indicator', d.indicator,
                                       'value', ci.value, 'unit', ci.unit)
               WHEN d.default_key IS NOT NULL THEN analysis.rule_cite(s.rules, d.default_key) END AS limit_src
        FROM (
          SELECT DISTINCT ON (k.key) k.key AS indicator, (k.value #>> '{}')::numeric AS value, e.id AS event_id, e.occurred_on
          FROM development_event e CROSS JOIN LATERAL jsonb_each(e.measured) k
          WHERE e.parcel_id = s.parcel_id
            AND e.measured IS NOT NULL AND jsonb_typeof(e.measured) = 'object' AND jsonb_typeof(k.value) = 'number'
            AND e.occurred_on <= $1
            AND k.key IN (SELECT i.indicator FROM analysis.contract_indicators_7() i)
          ORDER BY k.key, e.occurred_on DESC, e.id DESC
        ) m
        JOIN analysis.contract_indicators_7() d ON d.indicator = m.indicator
        LEFT JOIN contract_indicator ci ON ci.contract_id = s.contract_id AND ci.indicator = d.indicator
      ) c
      HAVING count(*) > 0
    ) t
    WHERE s.contract_id IS NOT NULL AND s.producing_on IS NOT NULL
  ),
  -- Type 4: whole years after the year of completion acceptance, up to the last ended year, with
  -- no operating profit since the last profitable year.
  type4 AS (
    SELECT s.parcel_id, count(*) AS years_without_profit, array_agg(ey.year ORDER BY ey.year) AS years,
           jsonb_object_agg(ey.year::text, ey.profit_wan) AS profits
    FROM s CROSS JOIN y
    JOIN enterprise_year ey ON ey.credit_code = s.land_user_code
    WHERE s.accepted_on IS NOT NULL AND s.contract_id IS NOT NULL
      AND ey.year > extract(year FROM s.accepted_on) AND ey.year < y.this_year
      AND ey.profit_wan IS NOT NULL AND ey.profit_wan <= 0
      AND ey.year > coalesce((SELECT max(p.year) FROM enterprise_year p
                              WHERE p.credit_code = s.land_user_code AND p.year < y.this_year AND p.profit_wan > 0), 0)
    GROUP BY s.parcel_id
  ),
  -- Type 5: rated C in each of the last rating_c_years rated years up to the last ended year.
  -- The ratings of these parcels' land users only, looked up per enterprise (an index probe of
  -- each branch of analysis.effective_rating): joined to s directly, the planner hashed every
  -- rating of the city for each slice of the full recompute, work that grows with the city.
  ratings AS MATERIALIZED (
    SELECT ey.credit_code, ey.year, ey.rating
    FROM (SELECT DISTINCT s.land_user_code FROM s WHERE s.accepted_on IS NOT NULL AND s.contract_id IS NOT NULL) u
    CROSS JOIN LATERAL (SELECT e.credit_code, e.year, e.rating FROM analysis.effective_rating() e
                        WHERE e.credit_code = u.land_user_code) ey
  ),
  last_rated AS (
    SELECT s.parcel_id, max(ey.year) AS last_year
    FROM s CROSS JOIN y JOIN ratings ey ON ey.credit_code = s.land_user_code
    WHERE s.accepted_on IS NOT NULL AND s.contract_id IS NOT NULL AND ey.year < y.this_year AND ey.rating IS NOT NULL
    GROUP BY s.parcel_id
  ),
  type5 AS (
    SELECT s.parcel_id, lr.last_year, count(*) AS c_years, array_agg(ey.year ORDER BY ey.year) AS years
    FROM s JOIN last_rated lr ON lr.parcel_id = s.parcel_id
    JOIN ratings ey ON ey.credit_code = s.land_user_code
      AND ey.year > lr.last_year - analysis.rule_num(s.rules, 'rating_c_years') AND ey.year <= lr.last_year
      AND ey.rating = 'C'
    GROUP BY s.parcel_id, lr.last_year
  )
  -- Type 1 产业转型类 and type 6 其他: an official's flag with its reason.
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'inefficient',
    CASE f.kind WHEN 'industry_transition' THEN 'inefficient.type1_industry_transition' ELSE 'inefficient.type6_other' END,
    (CASE f.kind WHEN 'industry_transition' THEN 1 ELSE 6 END)::smallint, NULL::smallint, false, s.area_m2,
    jsonb_build_object(
      'classification', 'inefficient',
      'rule', CASE f.kind WHEN 'industry_transition' THEN 'inefficient.type1_industry_transition' ELSE 'inefficient.type6_other' END,
      'type', CASE f.kind WHEN 'industry_transition' THEN 1 ELSE 6 END,
      'label', CASE f.kind WHEN 'industry_transition'
                 THEN '低效·产业转型类：禁止/淘汰类产业、不符合环保或安全要求、关停并转或退二优二 / industry transition (flag set by an official)'
                 ELSE '低效·其他：县区认定 / other inefficient land (decided by a county official)' END,
      'basis', CASE f.kind WHEN 'industry_transition' THEN '低效工业用地再开发实施细则 第二条（一）' ELSE '低效工业用地再开发实施细则 第二条（六）' END,
      'as_of', $1,
      'measured', jsonb_build_object('flags', jsonb_array_length(f.src)),
      'test', 'official flag in force at the date',
      'thresholds', '[]'::jsonb,
      'sources', f.src)
  FROM s JOIN flags f ON f.parcel_id = s.parcel_id
  UNION ALL
  -- Type 2 停建缓建类: started, developed > 1/3 AND invested > 25% (so not idle), halted halt_days or more.
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'inefficient', 'inefficient.type2_stalled', 2::smallint, NULL::smallint,
    false, s.area_m2,
    jsonb_build_object(
      'classification', 'inefficient', 'rule', 'inefficient.type2_stalled', 'type', 2,
      'label', '低效·停建缓建类：已动工，开发面积超过三分之一且投资超过25%，但中止建设 / stalled: over 1/3 developed and over 25% invested, but halted',
      'basis', '低效工业用地再开发实施细则 第二条（二）',
      'as_of', $1,
      'measured', jsonb_build_object(
        'started_on', s.build_on, 'halted_on', s.halted_on, 'halted_days', $1 - s.halted_on,
        'developed_m2', s.developed_m2, 'planned_area_m2', s.planned_area_m2, 'developed_share', round(x.dev_share, 6),
        'invested_wan', s.invested_wan, 'total_investment_wan', s.total_investment_wan, 'invested_share', round(x.inv_share, 6)),
      'test', format('developed_share %s > %s and invested_share %s > %s and halted_days %s >= halt_days %s',
                     trim_scale(round(x.dev_share, 6)), trim_scale(round(x.dev_min, 6)), trim_scale(round(x.inv_share, 6)), trim_scale(round(x.inv_min, 6)),
                     $1 - s.halted_on, x.halt_days),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'idle_developed_share'),
                                      analysis.rule_cite(s.rules, 'idle_invested_share'), analysis.rule_cite(s.rules, 'halt_days')),
      'sources', jsonb_build_array(
        jsonb_build_object('table', 'supply_contract', 'id', s.contract_id, 'contract_no', s.contract_no,
                           'total_investment_wan', s.total_investment_wan, 'planned_area_m2', s.planned_area_m2,
                           'planned_area_source', s.planned_area_source),
        jsonb_build_object('table', 'development_event', 'id', s.halt_event_id, 'kind', 'halt', 'occurred_on', s.halted_on),
        jsonb_build_object('table', 'development_event', 'id', s.developed_event_id, 'field', 'developed_area_m2', 'occurred_on', s.developed_on),
        jsonb_build_object('table', 'development_event', 'id', s.invested_event_id, 'field', 'invested_wan', 'occurred_on', s.invested_on)))
  FROM s CROSS JOIN LATERAL (SELECT
      s.developed_m2::numeric / nullif(s.planned_area_m2, 0)::numeric AS dev_share,
      s.invested_wan / nullif(s.total_investment_wan, 0) AS inv_share,
      analysis.rule_num(s.rules, 'idle_developed_share') AS dev_min,
      analysis.rule_num(s.rules, 'idle_invested_share') AS inv_min,
      analysis.rule_num(s.rules, 'halt_days') AS halt_days OFFSET 0) x
  WHERE s.contract_id IS NOT NULL AND s.build_on IS NOT NULL AND s.completed_on IS NULL AND s.halted_on IS NOT NULL
    AND ($1 - s.halted_on) >= x.halt_days AND x.dev_share > x.dev_min AND x.inv_share > x.inv_min
  UNION ALL
  -- Type 3 开发未达标类: in production, and a measured indicator misses its contract value.
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'inefficient', 'inefficient.type3_under_developed', 3::smallint, NULL::smallint,
    false, s.area_m2,
    jsonb_build_object(
      'classification', 'inefficient', 'rule', 'inefficient.type3_under_developed', 'type', 3,
      'label', '低效·开发未达标类：投产后合同约定指标未达到 / under-developed: a contract indicator missed after production began',
      'basis', '低效工业用地再开发实施细则 第二条（三）',
      'as_of', $1,
      'sensitive', t.sensitive,
      'measured', t.measured,
      'test', t.test,
      'misses', t.misses,
      'unchecked', to_jsonb(t.unchecked),
      'thresholds', (SELECT jsonb_agg(m -> 'limit_source') FROM jsonb_array_elements(t.misses) m),
      'sources', jsonb_build_array(
        jsonb_build_object('table', 'supply_contract', 'id', s.contract_id, 'contract_no', s.contract_no),
        jsonb_build_object('table', 'development_event', 'id', s.producing_event_id, 'occurred_on', s.producing_on, 'field', 'in production since'))
        || t.src)
  FROM s JOIN type3 t ON t.parcel_id = s.parcel_id
  WHERE t.misses IS NOT NULL
  UNION ALL
  -- Type 4 停产半停产类: accepted as completed, no operating profit for more than no_profit_years years.
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'inefficient', 'inefficient.type4_stopped', 4::smallint, NULL::smallint,
    false, s.area_m2,
    jsonb_build_object(
      'classification', 'inefficient', 'rule', 'inefficient.type4_stopped', 'type', 4,
      'label', '低效·停产半停产类：竣工验收后超过2年未产生经营利润 / stopped: no operating profit for more than 2 years after completion acceptance',
      'basis', '低效工业用地再开发实施细则 第二条（四）',
      'as_of', $1,
      'sensitive', true,
      'measured', jsonb_build_object('accepted_on', s.accepted_on, 'years_without_profit', t.years_without_profit,
                                     'years', to_jsonb(t.years), 'profit_wan', t.profits),
      'test', format('years_without_profit %s > no_profit_years %s', t.years_without_profit, analysis.rule_num(s.rules, 'no_profit_years')),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'no_profit_years')),
      'sources', jsonb_build_array(
        jsonb_build_object('table', 'development_event', 'id', s.acceptance_event_id, 'kind', 'completion_acceptance', 'occurred_on', s.accepted_on),
        jsonb_build_object('table', 'enterprise_year', 'credit_code', s.land_user_code, 'years', to_jsonb(t.years), 'field', 'profit_wan')))
  FROM s JOIN type4 t ON t.parcel_id = s.parcel_id
  WHERE t.years_without_profit > analysis.rule_num(s.rules, 'no_profit_years')
  UNION ALL
  -- Type 5 产出未达标类: accepted, in production, rated C in consecutive years.
  SELECT s.parcel_id, s.county_code, s.cluster_code, 'inefficient', 'inefficient.type5_low_output', 5::smallint, NULL::smallint,
    false, s.area_m2,
    jsonb_build_object(
      'classification', 'inefficient', 'rule', 'inefficient.type5_low_output', 'type', 5,
      'label', '低效·产出未达标类：企业分类综合评价连续两年为C类 / low output: rated C (倒逼转型类) two years running',
      'basis', '低效工业用地再开发实施细则 第二条（五）',
      'as_of', $1,
      'sensitive', true,
      'measured', jsonb_build_object('c_years', to_jsonb(t.years), 'last_rated_year', t.last_year),
      'test', format('rated C in %s consecutive years up to %s >= rating_c_years %s', t.c_years, t.last_year,
                     analysis.rule_num(s.rules, 'rating_c_years')),
      'thresholds', jsonb_build_array(analysis.rule_cite(s.rules, 'rating_c_years')),
      'sources', jsonb_build_array(
        jsonb_build_object('table', 'development_event', 'id', s.acceptance_event_id, 'kind', 'completion_acceptance', 'occurred_on', s.accepted_on),
        jsonb_build_object('table', 'enterprise_year', 'credit_code', s.land_user_code, 'years', to_jsonb(t.years), 'field', 'rating')))
  FROM s JOIN type5 t ON t.parcel_id = s.parcel_id
  WHERE t.c_years >= analysis.rule_num(s.rules, 'rating_c_years')
$$;
COMMENT ON FUNCTION analysis.inefficient(date, bigint[]) IS
  '低效 inefficient parcels at a date, one row per type that fires (annex 3 art. 2 types 1–6); reason cites measured values, thresholds (contract indicators or county rules) and source records; enterprise figures marked sensitive';
