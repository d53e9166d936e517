/* 标准地 checks (annex 2 art. 12): the contract's "3+N" indicators (§二(四)10: investment intensity,
   tax per mu and plot ratio; output per mu, employment, admin/living share, safety, environment…)
   against the values measured at a completion check (竣工验收) or a production check (达产验收). */

-- The "3" of 3+N+1 and the direction each must have.
CREATE OR REPLACE FUNCTION analysis.standard_land_core_indicators()
  RETURNS TABLE (indicator text, direction text, label text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  VALUES ('investment_intensity', 'min', '亩均投资强度'),
         ('tax_per_mu', 'min', '亩均税收'),
         ('plot_ratio', 'min', '容积率')
$$;
COMMENT ON FUNCTION analysis.standard_land_core_indicators() IS
  'the three main control indicators of standard land (§二(四)10 "3+N+1"): name, direction (all minimums), Chinese label';

/* Per indicator the check applies to: the agreed value, the measured one, pass or fail (a minimum is
   met at or above its value, a maximum at or below). A completion check covers the indicators of the
   county rule standard_land_completion_indicators that the contract has; a production check covers
   every indicator of the contract. Returns {results, failed, missing, unknown, passed}: missing are
   indicators the check covers with no measured number; unknown are measured keys the contract lacks. */
CREATE OR REPLACE FUNCTION analysis.standard_land_evaluate(contract_id bigint, kind text, measured jsonb, as_of date)
  RETURNS jsonb
  LANGUAGE sql STABLE AS $$
  WITH c AS (SELECT sc.id, sc.county_code FROM supply_contract sc WHERE sc.id = $1),
  covered AS (
    SELECT ci.indicator, ci.unit, ci.direction, ci.value, ci.is_core,
      CASE WHEN jsonb_typeof($3 -> ci.indicator) = 'number' THEN ($3 ->> ci.indicator)::numeric END AS m
    FROM c JOIN contract_indicator ci ON ci.contract_id = c.id
    WHERE $2 = 'production'
       OR ci.indicator IN (SELECT jsonb_array_elements_text(analysis.rule(c.county_code, 'standard_land_completion_indicators', $4)))
  ),
  judged AS (
    SELECT cv.*, CASE WHEN cv.m IS NULL THEN NULL
                      WHEN cv.direction = 'min' THEN cv.m >= cv.value
                      ELSE cv.m <= cv.value END AS pass
    FROM covered cv
  )
  SELECT jsonb_build_object(
    'results', coalesce((SELECT jsonb_agg(jsonb_build_object('indicator', j.indicator, 'unit', j.unit, 'direction', j.direction,
                                  'agreed', j.value, 'pass', j.pass, 'is_core', j.is_core) ORDER BY j.is_core DESC, j.indicator)
                         FROM judged j), '[]'::jsonb),
    'failed', coalesce((SELECT jsonb_agg(j.indicator ORDER BY j.indicator) FROM judged j WHERE j.pass = false), '[]'::jsonb),
    'missing', coalesce((SELECT jsonb_agg(j.indicator ORDER BY j.indicator) FROM judged j WHERE j.m IS NULL), '[]'::jsonb),
    'unknown', coalesce((SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys($3) k
                         WHERE k NOT IN (SELECT ci.indicator FROM contract_indicator ci WHERE ci.contract_id = $1)), '[]'::jsonb),
    'covered', (SELECT count(*) FROM judged),
    'passed', NOT EXISTS (SELECT 1 FROM judged j WHERE j.pass IS DISTINCT FROM true))
$$;
COMMENT ON FUNCTION analysis.standard_land_evaluate(bigint, text, jsonb, date) IS
  'a standard-land check of a contract (kind completion|production) against measured values: per covered indicator agreed value and pass (min: measured ≥ agreed; max: ≤), failed, missing and unknown indicators, passed';
