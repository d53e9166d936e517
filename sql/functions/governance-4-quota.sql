/* 增存挂钩 (§二(三)9: "对各产业集聚区批而未供土地消化和闲置土地处置情况与新增建设用地计划指标安排
   相挂钩，实行差别化分配新增建设用地指标"; annex 3 art. 12: reward those that do well, cut those that
   do not). The plan names the link but no formula; the default below is an assumption (README),
   every coefficient a county rule (governance_quota, quota_base_mu):

     quota(cluster, Y+1) = max(floor_mu, (base + k_unsupplied × U + k_idle × I) × f)
     U = 批而未供 digested in Y (the stock at the start of Y, mu, not below 0)
     I = idle land of the stock at the start of Y disposed of in Y (mu)
     f = 1 − penalty_share when a target named in penalty_when_missed (unsupplied_yearly: 30%,
         idle_disposal: 40%) was missed in Y; else 1. A target with no stock to measure is not missed. */

SET LOCAL check_function_bodies = off;

CREATE OR REPLACE FUNCTION governance.quota(period text, as_of date, permu_year integer DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE sql STABLE SET jit = off AS $$
  WITH pb AS (SELECT * FROM governance.period_bounds($1) WHERE kind = 'year'),
  cr AS (SELECT rs.rules FROM analysis.rules_at($2) rs WHERE rs.county_code IS NULL),
  m AS (
    SELECT cr.rules -> 'governance_quota' -> 'value' AS q, cr.rules -> 'quota_base_mu' -> 'value' AS base,
           jsonb_build_array(analysis.rule_cite(cr.rules, 'governance_quota'), analysis.rule_cite(cr.rules, 'quota_base_mu')) AS cites
    FROM cr
  ),
  g AS MATERIALIZED (
    SELECT g.* FROM pb, governance.progress($2, pb.year_start, NULL, coalesce($3, pb.year - 1), 1) g WHERE g.level = 'cluster'
  ),
  c AS (
    SELECT g.code, g.name, g.county_code,
      coalesce((m.base ->> g.code)::numeric, (m.base ->> 'default')::numeric, 0) AS base_mu,
      greatest(coalesce((g.figures #>> '{unsupplied,digested_ytd_mu}')::numeric, 0), 0) AS u_mu,
      coalesce((g.figures #>> '{idle,disposed_ytd,area_mu}')::numeric, 0) AS i_mu,
      ARRAY(SELECT k FROM jsonb_array_elements_text(m.q -> 'penalty_when_missed') k
            WHERE (k = 'unsupplied_yearly' AND (g.figures #>> '{unsupplied,met}')::boolean IS FALSE)
               OR (k = 'idle_disposal' AND (g.figures #>> '{idle,met}')::boolean IS FALSE)
               OR (k = 'inefficient_disposal' AND (g.figures #>> '{inefficient,met}')::boolean IS FALSE)) AS missed,
      g.figures
    FROM g, m
  ),
  r AS (
    SELECT c.*,
      CASE WHEN cardinality(c.missed) > 0 THEN 1 - (m.q ->> 'penalty_share')::numeric ELSE 1 END AS factor,
      c.base_mu + (m.q ->> 'k_unsupplied')::numeric * c.u_mu + (m.q ->> 'k_idle')::numeric * c.i_mu AS before_factor,
      coalesce((m.q ->> 'floor_mu')::numeric, 0) AS floor_mu
    FROM c, m
  )
  SELECT jsonb_build_object(
    'kind', 'quota', 'period', pb.label, 'quota_year', pb.year + 1, 'as_of', $2, 'partial', $2 < pb.ends_on,
    'basis', '洛政办〔2021〕16号 §二(三)9 "增存挂钩"；附件3 第十二条',
    'method', jsonb_build_object(
      'formula', '下年度新增建设用地指标 = max(下限, (基数 + k_批而未供 × 当年批而未供消化亩数 + k_闲置 × 当年闲置处置亩数) × f)，未完成 penalty_when_missed 所列年度目标时 f = 1 − penalty_share，否则 f = 1 / quota = max(floor_mu, (base + k_unsupplied × U + k_idle × I) × f)',
      'source', '假设：方案只规定挂钩原则，未给出公式与系数，均为可配置的县区规则（见 README）/ an assumption: the plan sets the principle, not the formula; every coefficient is a setting',
      'coefficients', m.q, 'base_mu', m.base, 'rules', m.cites,
      'targets', governance.targets($2, 1)),
    'clusters', (SELECT coalesce(jsonb_agg(jsonb_build_object(
        'code', r.code, 'name', r.name, 'county_code', r.county_code,
        'base_mu', r.base_mu, 'unsupplied_digested_mu', round(r.u_mu, 6), 'idle_disposed_mu', round(r.i_mu, 6),
        'unsupplied_share_ytd', r.figures #> '{unsupplied,share_ytd}', 'unsupplied_met', r.figures #> '{unsupplied,met}',
        'idle_share_ytd', r.figures #> '{idle,share_ytd}', 'idle_met', r.figures #> '{idle,met}',
        'missed', to_jsonb(r.missed), 'factor', r.factor,
        'quota_mu', round(greatest(r.floor_mu, r.before_factor * r.factor), 4),
        'unsupplied_codes', r.figures #> '{unsupplied,codes_ytd}', 'idle_codes', r.figures #> '{idle,disposed_ytd,codes}')
        ORDER BY r.county_code, r.code), '[]'::jsonb) FROM r, m),
    'total_mu', (SELECT round(coalesce(sum(greatest(r.floor_mu, r.before_factor * r.factor)), 0), 4) FROM r))
  FROM pb, m
$$;
COMMENT ON FUNCTION governance.quota(text, date, integer) IS
  '增存挂钩 §二(三)9: next year''s new construction-land quota per cluster from the base (quota_base_mu) adjusted by 批而未供 digested and idle land disposed of in the year, cut by penalty_share when a yearly target was missed (governance_quota); the formula and coefficients printed';

RESET check_function_bodies;
