/* The enterprise rating (企业分类综合评价, A/B/C/D) by per-mu results and the other indicators a
   county chooses (DOMAIN.md "Efficiency metrics"; thresholds and weights are the versioned county
   rule 'enterprise_rating', migration 500). Rated C two years running feeds inefficient type 5
   (annex 3 art. 2(5)): analysis.effective_rating gives the computed rating where one is stored and
   the imported one otherwise. */

/* The score and grade of one set of values under a rating rule:
     ratio_i = min(value_i / benchmark_i, cap)    (benchmark_i / value_i when lower_is_better)
     score   = Σ weight_i × ratio_i × 100 / Σ weight_i
     grade   = the grade with the highest min that score reaches (score ≥ min), else D.
   A missing value scores 0 (the enterprise did not report it) and is listed. The grade is decided on
   the exact score; the score is shown rounded. */
CREATE OR REPLACE FUNCTION analysis.rating_score(vals jsonb, target numeric, rule jsonb) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  cap numeric := coalesce((rule->>'cap')::numeric, 2);
  i jsonb;
  g jsonb;
  k text;
  w numeric;
  bench numeric;
  v numeric;
  low boolean;
  ratio numeric;
  total numeric := 0;
  weights numeric := 0;
  parts jsonb := '[]';
  missing text[] := '{}';
  score numeric;
  grade text := 'D';
  best numeric;
BEGIN
  IF jsonb_typeof(rule->'indicators') IS DISTINCT FROM 'array' OR jsonb_array_length(rule->'indicators') = 0 THEN
    RAISE EXCEPTION '评价规则缺少指标 / the rating rule has no "indicators": %', rule;
  END IF;
  IF jsonb_typeof(rule->'grades') IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION '评价规则缺少分档 / the rating rule has no "grades": %', rule;
  END IF;
  FOR i IN SELECT * FROM jsonb_array_elements(rule->'indicators') LOOP
    k := i->>'key';
    w := (i->>'weight')::numeric;
    IF k IS NULL OR w IS NULL OR w < 0 THEN
      RAISE EXCEPTION '评价指标格式错误 / a rating indicator needs "key" and a weight ≥ 0: %', i;
    END IF;
    bench := CASE WHEN i->>'benchmark' = 'target' THEN target ELSE (i->>'benchmark')::numeric END
             * coalesce((i->>'times')::numeric, 1);
    low := coalesce((i->>'lower_is_better')::boolean, false);
    v := CASE WHEN jsonb_typeof(vals->k) = 'number' THEN (vals->>k)::numeric END;
    IF v IS NULL THEN missing := missing || k; END IF;
    ratio := CASE
      WHEN v IS NULL OR bench IS NULL OR bench <= 0 THEN 0
      WHEN low THEN CASE WHEN v <= 0 THEN cap ELSE least(bench / v, cap) END
      ELSE least(greatest(v, 0) / bench, cap) END;
    total := total + w * ratio;
    weights := weights + w;
    parts := parts || jsonb_build_object('key', k, 'value', v, 'benchmark', bench, 'weight', w,
                                         'lower_is_better', low, 'ratio', round(ratio, 6), 'points', round(w * ratio * 100, 4));
  END LOOP;
  IF weights <= 0 THEN
    RAISE EXCEPTION '评价指标权重之和须大于0 / the weights of the rating rule add up to 0';
  END IF;
  score := total * 100 / weights;
  FOR g IN SELECT * FROM jsonb_array_elements(rule->'grades') LOOP
    IF g->>'grade' NOT IN ('A','B','C','D') OR jsonb_typeof(g->'min') IS DISTINCT FROM 'number' THEN
      RAISE EXCEPTION '评价分档格式错误 / a grade needs "grade" (A–D) and a numeric "min": %', g;
    END IF;
    IF score >= (g->>'min')::numeric AND (best IS NULL OR (g->>'min')::numeric > best) THEN
      best := (g->>'min')::numeric;
      grade := g->>'grade';
    END IF;
  END LOOP;
  RETURN jsonb_build_object('grade', grade, 'score', score, 'score_shown', round(score, 2), 'weights', weights,
                            'cap', cap, 'parts', parts, 'missing', to_jsonb(missing));
END $$;
COMMENT ON FUNCTION analysis.rating_score(jsonb, numeric, jsonb) IS
  'score (Σ weight × min(value/benchmark, cap) × 100 / Σ weight) and grade (A–D: highest grade whose min the exact score reaches, else D) of a set of values under an enterprise_rating rule; parts per indicator and missing values';

/* The ratings of a year as the rules in force at its end rate them: every land user with per-mu
   figures, under the rule of the county where most of its land lies. */
CREATE OR REPLACE FUNCTION analysis.enterprise_ratings(rating_year integer)
  RETURNS TABLE (credit_code char(18), year integer, name text, county_code char(6), cluster_code text,
                 rating char(1), score numeric, rule_id bigint, rule_effective_from date, rule_county_code char(6),
                 tax_per_mu numeric, output_per_mu numeric, target numeric, inputs jsonb)
  LANGUAGE sql STABLE AS $$
  SELECT e.credit_code, e.year, e.name, e.county_code, e.cluster_code,
    (s.v->>'grade')::char(1), (s.v->>'score')::numeric, (r.src->>'rule_id')::bigint, (r.src->>'effective_from')::date,
    (r.src->>'county_code')::char(6), e.tax_per_mu, e.output_per_mu, e.target,
    s.v || jsonb_build_object('values', x.vals, 'target', e.target, 'rule', r.src)
  FROM analysis.permu_enterprises($1, $1) e
  CROSS JOIN LATERAL (SELECT analysis.rule_source(e.county_code, 'enterprise_rating', make_date($1, 12, 31)) AS src) r
  CROSS JOIN LATERAL (SELECT jsonb_strip_nulls(jsonb_build_object(
      'tax_per_mu', e.tax_per_mu,
      'output_per_mu', e.output_per_mu,
      'value_added_per_mu', e.value_added_wan / e.area_mu,
      'profit_per_mu', e.profit_wan / e.area_mu,
      'employment_per_mu', e.employment / e.area_mu,
      'energy_per_value_added', e.energy_tce / nullif(e.value_added_wan, 0),
      'value_added_per_tce', e.value_added_wan / nullif(e.energy_tce, 0))) AS vals) x
  CROSS JOIN LATERAL (SELECT analysis.rating_score(x.vals, e.target, r.src->'value') AS v) s
  WHERE r.src IS NOT NULL
$$;
COMMENT ON FUNCTION analysis.enterprise_ratings(integer) IS
  'A/B/C/D rating of every land user with per-mu figures in a year, under the enterprise_rating rule in force on 31 December in the county of most of its land; with score, rule version and inputs';

-- analysis.effective_rating() (the rating type 5 reads) is in migration 500: analysis-4-inefficient.sql,
-- applied before this file, must be able to refer to it.
