/* The reports of the supervision rhythm (§四(三) "建立'日常指导、季度通报、半年约谈、年度考评'的
   工作指导督导机制"): the quarterly progress report (每季度末报送工作进展), the half-yearly ranking
   (每半年开展一次评比), and the annual evaluation with interviews (约谈) and rewards and penalties
   (每年年底组织年度考评，落实奖惩措施). Each returns the whole report as one jsonb, with the method
   (weights, settings and the rules they come from) printed in it. */

SET LOCAL check_function_bodies = off;

/* The quarterly progress report of a quarter (2024Q2) at as_of (the quarter's last day, or an
   earlier day of it for a quarter in progress), for the counties of a scope (NULL: the whole city):
   each county and each of its clusters, and the city. */
CREATE OR REPLACE FUNCTION governance.quarterly(period text, as_of date, scope text[] DEFAULT NULL, permu_year integer DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH pb AS (SELECT * FROM governance.period_bounds($1) WHERE kind = 'quarter'),
  g AS MATERIALIZED (
    SELECT g.* FROM pb CROSS JOIN LATERAL governance.progress($2, pb.starts_on - 1, $3, coalesce($4, pb.year - 1), pb.fraction) g
  )
  SELECT jsonb_build_object(
    'kind', 'quarterly', 'period', pb.label, 'as_of', $2, 'period_start', pb.starts_on, 'period_end', pb.ends_on,
    'partial', $2 < pb.ends_on, 'since', pb.starts_on - 1, 'year_start', pb.year_start, 'fraction_of_year', pb.fraction,
    'scope', to_jsonb($3), 'permu_year', coalesce($4, pb.year - 1),
    'basis', '洛政办〔2021〕16号 §四(三)：每季度末，各县区政府（管委会）按要求报送工作进展情况',
    'targets', governance.targets($2, pb.fraction),
    'counties', (SELECT coalesce(jsonb_agg(jsonb_build_object('level', g.level, 'code', g.code, 'name', g.name) || g.figures ORDER BY g.code), '[]'::jsonb)
                 FROM g WHERE g.level = 'county'),
    'clusters', (SELECT coalesce(jsonb_agg(jsonb_build_object('level', g.level, 'code', g.code, 'name', g.name, 'county_code', g.county_code)
                                           || g.figures ORDER BY g.county_code, g.code), '[]'::jsonb)
                 FROM g WHERE g.level = 'cluster'),
    'city', (SELECT jsonb_build_object('level', 'city', 'code', NULL, 'name', g.name) || g.figures FROM g WHERE g.level = 'city'))
  FROM pb
$$;
COMMENT ON FUNCTION governance.quarterly(text, date, text[], integer) IS
  '季度进展报告 §四(三): the progress figures (governance.progress) of a quarter at as_of for each county and cluster of the scope and the city, with the targets and what is due by the quarter';

/* The indicators of a unit's figures, each {value, target} or left out with why: the yearly shares
   against the targets due by the period (target_to_date), the old stock against 60%, the standard-land
   share and the attainment of tax per mu when their analyses are installed, and the handling of alerts and
   ledger entries (1 − overdue share). */
CREATE OR REPLACE FUNCTION governance.indicators(f jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'unsupplied_yearly', CASE WHEN (f #>> '{unsupplied,year_start_stock_m2}')::numeric > 0
      THEN jsonb_build_object('value', (f #>> '{unsupplied,share_ytd}')::numeric, 'target', (f #>> '{unsupplied,target_to_date}')::numeric)
      ELSE jsonb_build_object('value', NULL, 'left_out', 'no_stock') END,
    'old_stock', CASE WHEN (f #>> '{unsupplied,old_stock,baseline_m2}')::numeric > 0
      THEN jsonb_build_object('value', (f #>> '{unsupplied,old_stock,share}')::numeric, 'target', (f #>> '{unsupplied,old_stock,target}')::numeric)
      ELSE jsonb_build_object('value', NULL, 'left_out', 'no_stock') END,
    'idle_disposal', CASE WHEN (f #>> '{idle,year_start,parcels}')::integer > 0
      THEN jsonb_build_object('value', (f #>> '{idle,share_ytd}')::numeric, 'target', (f #>> '{idle,target_to_date}')::numeric)
      ELSE jsonb_build_object('value', NULL, 'left_out', 'no_stock') END,
    'inefficient_disposal', CASE WHEN (f #>> '{inefficient,year_start,parcels}')::integer > 0
      THEN jsonb_build_object('value', (f #>> '{inefficient,share_ytd}')::numeric, 'target', (f #>> '{inefficient,target_to_date}')::numeric)
      ELSE jsonb_build_object('value', NULL, 'left_out', 'no_stock') END,
    'standard_land', CASE
      WHEN f -> 'standard_land' ? 'missing' THEN jsonb_build_object('value', NULL, 'left_out', 'missing', 'missing', f #>> '{standard_land,missing}')
      WHEN coalesce((f #>> '{standard_land,sold}')::integer, 0) = 0 THEN jsonb_build_object('value', NULL, 'left_out', 'none_sold')
      WHEN (f #>> '{standard_land,target}') IS NULL THEN jsonb_build_object('value', NULL, 'left_out', 'no_target')
      ELSE jsonb_build_object('value', (f #>> '{standard_land,share_area}')::numeric, 'target', (f #>> '{standard_land,target}')::numeric) END,
    'per_mu_tax', CASE
      WHEN f -> 'per_mu_tax' ? 'missing' THEN jsonb_build_object('value', NULL, 'left_out', 'missing', 'missing', f #>> '{per_mu_tax,missing}')
      WHEN (f #>> '{per_mu_tax,attainment}') IS NULL THEN jsonb_build_object('value', NULL, 'left_out', 'no_figures')
      ELSE jsonb_build_object('value', (f #>> '{per_mu_tax,attainment}')::numeric, 'target', 1) END,
    'alert_handling', CASE WHEN (f #>> '{alerts,open_at_end}')::integer + (f #>> '{alerts,closed_period}')::integer > 0
      THEN jsonb_build_object('value', round(1 - (f #>> '{alerts,overdue_at_end}')::numeric
                                               / ((f #>> '{alerts,open_at_end}')::integer + (f #>> '{alerts,closed_period}')::integer), 6), 'target', 1)
      ELSE jsonb_build_object('value', NULL, 'left_out', 'no_alerts') END,
    'ledger_on_time', CASE WHEN (f #>> '{ledger,open_at_end}')::integer > 0
      THEN jsonb_build_object('value', round(1 - (f #>> '{ledger,overdue_at_end}')::numeric / (f #>> '{ledger,open_at_end}')::integer, 6), 'target', 1)
      ELSE jsonb_build_object('value', NULL, 'left_out', 'no_open_entries') END)
$$;
COMMENT ON FUNCTION governance.indicators(jsonb) IS
  'the scored indicators of a unit''s progress figures: {key: {value, target}} or {value: null, left_out: why}';

/* score = Σ weight × clamp(value / target, 0, cap) × 100 / Σ weight, over the indicators that have a
   value and a weight; the others are listed in left_out. NULL when none applies. */
CREATE OR REPLACE FUNCTION governance.score(ind jsonb, method jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH i AS (
    SELECT e.key, e.value AS v, coalesce((method -> 'weights' ->> e.key)::numeric, 0) AS w,
           coalesce((method ->> 'cap')::numeric, 1) AS cap
    FROM jsonb_each(ind) e
  ),
  p AS (
    SELECT i.key, i.v, i.w,
      CASE WHEN i.v ->> 'value' IS NULL OR i.w = 0 THEN NULL
           WHEN (i.v ->> 'target')::numeric <= 0 THEN i.cap * 100
           ELSE greatest(least((i.v ->> 'value')::numeric / (i.v ->> 'target')::numeric, i.cap), 0) * 100 END AS pts
    FROM i
  )
  SELECT jsonb_build_object(
    'score', round(sum(p.w * p.pts) FILTER (WHERE p.pts IS NOT NULL) / nullif(sum(p.w) FILTER (WHERE p.pts IS NOT NULL), 0), 4),
    'weight_applied', coalesce(sum(p.w) FILTER (WHERE p.pts IS NOT NULL), 0),
    'indicators', coalesce(jsonb_object_agg(p.key, p.v || jsonb_build_object('weight', p.w, 'points', round(p.pts, 4))), '{}'::jsonb),
    'left_out', coalesce(jsonb_agg(p.key ORDER BY p.key) FILTER (WHERE p.pts IS NULL), '[]'::jsonb))
  FROM p
$$;
COMMENT ON FUNCTION governance.score(jsonb, jsonb) IS
  'the weighted score of indicators: {score, weight_applied, indicators: {key: {value, target, weight, points}}, left_out: [keys]}; points = clamp(value/target, 0, cap) × 100';

/* The scored units of a period: progress year-to-date at as_of with the targets due by then
   (pro_rata), scored by `method`, ranked per level (1 = best; ties share a rank; units with no
   applicable indicator are not ranked). */
CREATE OR REPLACE FUNCTION governance.scored(as_of date, fraction numeric, method jsonb, permu_year integer)
  RETURNS TABLE (level text, code text, name text, county_code text, rank integer, score numeric, scored jsonb, figures jsonb)
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH g AS (
    SELECT g.* FROM governance.progress($1, make_date(extract(year FROM $1)::integer - 1, 12, 31), NULL, $4,
                                        CASE WHEN coalesce(($3 ->> 'pro_rata')::boolean, false) THEN $2 ELSE 1 END) g
    WHERE g.level IN ('county', 'cluster')
  ),
  s AS (SELECT g.*, governance.score(governance.indicators(g.figures), $3) AS sc FROM g)
  SELECT s.level, s.code, s.name, s.county_code,
    CASE WHEN s.sc ->> 'score' IS NOT NULL
         THEN (rank() OVER (PARTITION BY s.level, s.sc ->> 'score' IS NULL ORDER BY (s.sc ->> 'score')::numeric DESC))::integer END,
    (s.sc ->> 'score')::numeric, s.sc, s.figures
  FROM s
$$;
COMMENT ON FUNCTION governance.scored(date, numeric, jsonb, integer) IS
  'counties and clusters scored by a method ({weights, cap, pro_rata}) on their year-to-date progress at as_of, ranked per level';

-- The figures a ranking or an evaluation prints beside the score (the codes stay in the quarterly report).
CREATE OR REPLACE FUNCTION governance.headline(f jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'unsupplied_share_ytd', f #> '{unsupplied,share_ytd}', 'unsupplied_stock_mu', f #> '{unsupplied,stock_mu}',
    'old_stock_share', f #> '{unsupplied,old_stock,share}',
    'idle_share_ytd', f #> '{idle,share_ytd}', 'idle_now', f #> '{idle,now,parcels}',
    'inefficient_share_ytd', f #> '{inefficient,share_ytd}', 'inefficient_now', f #> '{inefficient,now,parcels}',
    'standard_land_share', f #> '{standard_land,share_area}', 'per_mu_attainment', f #> '{per_mu_tax,attainment}',
    'alerts_overdue', f #> '{alerts,overdue_at_end}', 'ledger_overdue', f #> '{ledger,overdue_at_end}')
$$;
COMMENT ON FUNCTION governance.headline(jsonb) IS 'the main progress figures of a unit, for the ranking and evaluation tables';

/* 半年评比 (§四(三) "每半年开展一次评比，对工作推进慢、效果不明显的县区实施约谈"): counties and clusters
   ranked by the score of the governance_ranking rule in force at as_of. */
CREATE OR REPLACE FUNCTION governance.ranking(period text, as_of date, permu_year integer DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH pb AS (SELECT * FROM governance.period_bounds($1) WHERE kind = 'half'),
  cr AS (SELECT rs.rules FROM analysis.rules_at($2) rs WHERE rs.county_code IS NULL),
  m AS (SELECT cr.rules -> 'governance_ranking' -> 'value' AS method, analysis.rule_cite(cr.rules, 'governance_ranking') AS cite FROM cr),
  s AS MATERIALIZED (SELECT s.* FROM pb, m, governance.scored($2, pb.fraction, m.method, coalesce($3, pb.year - 1)) s)
  SELECT jsonb_build_object(
    'kind', 'ranking', 'period', pb.label, 'as_of', $2, 'period_start', pb.starts_on, 'period_end', pb.ends_on,
    'partial', $2 < pb.ends_on, 'year_start', pb.year_start, 'permu_year', coalesce($3, pb.year - 1),
    'basis', '洛政办〔2021〕16号 §四(三)：每半年开展一次评比，对工作推进慢、效果不明显的县区实施约谈',
    'method', jsonb_build_object(
      'formula', '得分 = Σ 权重 × min(完成值 / 目标值, 上限) × 100 / Σ 权重（无可评内容的指标不参评并列出）/ score = Σ w × clamp(value/target, 0, cap) × 100 / Σ w over the indicators that apply',
      'weights', m.method -> 'weights', 'cap', m.method -> 'cap', 'pro_rata', m.method -> 'pro_rata',
      'fraction_of_year', CASE WHEN coalesce((m.method ->> 'pro_rata')::boolean, false) THEN pb.fraction ELSE 1 END,
      'targets', governance.targets($2, CASE WHEN coalesce((m.method ->> 'pro_rata')::boolean, false) THEN pb.fraction ELSE 1 END),
      'order', '得分从高到低；同分同名次，按代码列出 / by score, highest first; equal scores share a rank',
      'rule', m.cite),
    'counties', (SELECT coalesce(jsonb_agg(jsonb_build_object('rank', s.rank, 'code', s.code, 'name', s.name, 'score', s.score)
                                           || (s.scored - 'score') || jsonb_build_object('figures', governance.headline(s.figures))
                                           ORDER BY s.rank NULLS LAST, s.code), '[]'::jsonb) FROM s WHERE s.level = 'county'),
    'clusters', (SELECT coalesce(jsonb_agg(jsonb_build_object('rank', s.rank, 'code', s.code, 'name', s.name, 'county_code', s.county_code, 'score', s.score)
                                           || (s.scored - 'score') || jsonb_build_object('figures', governance.headline(s.figures))
                                           ORDER BY s.rank NULLS LAST, s.code), '[]'::jsonb) FROM s WHERE s.level = 'cluster'))
  FROM pb, m
$$;
COMMENT ON FUNCTION governance.ranking(text, date, integer) IS
  '半年评比 §四(三): counties and clusters ranked by the weighted score of their year-to-date progress at as_of (rule governance_ranking), with the method printed';

/* 年度考评 (§四(三) "每年年底组织年度考评，落实奖惩措施"): a score per county by the
   governance_evaluation rule in force at as_of, its grade and consequence (annex 3 art. 12: reward
   with new construction-land quota, or cut it and suspend approvals), and the counties to interview
   (约谈): a score below interview_below, or among the last interview_bottom ranked. */
CREATE OR REPLACE FUNCTION governance.evaluation(period text, as_of date, permu_year integer DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH pb AS (SELECT * FROM governance.period_bounds($1) WHERE kind = 'year'),
  cr AS (SELECT rs.rules FROM analysis.rules_at($2) rs WHERE rs.county_code IS NULL),
  m AS (SELECT cr.rules -> 'governance_evaluation' -> 'value' AS method, analysis.rule_cite(cr.rules, 'governance_evaluation') AS cite FROM cr),
  s AS MATERIALIZED (
    SELECT s.*, count(s.rank) OVER () AS ranked
    FROM pb, m, governance.scored($2, 1, m.method - 'pro_rata', coalesce($3, pb.year - 1)) s
    WHERE s.level = 'county'
  ),
  e AS (
    SELECT s.*,
      (SELECT g FROM jsonb_array_elements(m.method -> 'grades') g
       WHERE s.score IS NOT NULL AND s.score >= (g ->> 'min')::numeric ORDER BY (g ->> 'min')::numeric DESC LIMIT 1) AS grade,
      array_remove(ARRAY[
        CASE WHEN s.score < (m.method ->> 'interview_below')::numeric THEN 'score_below' END,
        CASE WHEN s.rank IS NOT NULL AND s.rank > s.ranked - coalesce((m.method ->> 'interview_bottom')::integer, 0) THEN 'bottom' END], NULL) AS why,
      (SELECT coalesce(jsonb_agg(k ORDER BY k), '[]'::jsonb) FROM jsonb_each(s.scored -> 'indicators') i(k, v)
       WHERE (v ->> 'points')::numeric < (m.method ->> 'interview_below')::numeric) AS weak
    FROM s, m
  )
  SELECT jsonb_build_object(
    'kind', 'evaluation', 'period', pb.label, 'as_of', $2, 'partial', $2 < pb.ends_on, 'year_start', pb.year_start,
    'permu_year', coalesce($3, pb.year - 1),
    'basis', '洛政办〔2021〕16号 §四(三)：每年年底组织年度考评，落实奖惩措施；附件3 第十二条：完成较好的给予新增建设用地指标奖励，落实不力的核减指标、暂停新增建设用地审批',
    'method', jsonb_build_object(
      'formula', '得分 = Σ 权重 × min(完成值 / 年度目标, 上限) × 100 / Σ 权重（无可评内容的指标不参评并列出）/ score = Σ w × clamp(value/target, 0, cap) × 100 / Σ w',
      'weights', m.method -> 'weights', 'cap', m.method -> 'cap', 'grades', m.method -> 'grades',
      'interview', jsonb_build_object('score_below', m.method -> 'interview_below', 'bottom', coalesce(m.method -> 'interview_bottom', '0'::jsonb)),
      'targets', governance.targets($2, 1), 'rule', m.cite),
    'counties', (SELECT coalesce(jsonb_agg(jsonb_build_object(
        'rank', e.rank, 'code', e.code, 'name', e.name, 'score', e.score,
        'grade', e.grade ->> 'grade', 'consequence', e.grade ->> 'consequence',
        'reward', coalesce((e.grade ->> 'reward')::boolean, false), 'penalty', coalesce((e.grade ->> 'penalty')::boolean, false),
        'interview', cardinality(e.why) > 0, 'interview_reasons', to_jsonb(e.why), 'weak_indicators', e.weak)
        || (e.scored - 'score') || jsonb_build_object('figures', governance.headline(e.figures))
        ORDER BY e.rank NULLS LAST, e.code), '[]'::jsonb) FROM e),
    'interview', (SELECT coalesce(jsonb_agg(jsonb_build_object('code', e.code, 'name', e.name, 'score', e.score,
                                                               'reasons', to_jsonb(e.why), 'weak_indicators', e.weak)
                                            ORDER BY e.rank NULLS LAST, e.code), '[]'::jsonb) FROM e WHERE cardinality(e.why) > 0))
  FROM pb, m
$$;
COMMENT ON FUNCTION governance.evaluation(text, date, integer) IS
  '年度考评 §四(三): a score per county (rule governance_evaluation), grade and reward/penalty consequence, and the counties to interview (约谈) with the reasons and weak indicators';

RESET check_function_bodies;
