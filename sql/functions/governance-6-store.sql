/* Generating a report stores it with everything it was generated from (governance.report), so that
   it can be retrieved as first produced and regenerated later with the same inputs and compared. The
   caller runs governance.generate in a REPEATABLE READ transaction: the result, the rule versions,
   the data version and (for a disclosure) the published items are then all read from one snapshot. */

SET LOCAL check_function_bodies = off;

-- One report of a kind, computed from its inputs (period, as_of, scope, params).
CREATE OR REPLACE FUNCTION governance.compute(kind text, period text, as_of date, scope text[], params jsonb)
  RETURNS jsonb
  LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
  permu integer := (params ->> 'permu_year')::integer;
  r jsonb;
BEGIN
  IF kind = 'quarterly' THEN
    r := governance.quarterly(period, as_of, scope, permu);
  ELSIF kind = 'ranking' THEN
    r := governance.ranking(period, as_of, permu);
  ELSIF kind = 'evaluation' THEN
    r := governance.evaluation(period, as_of, permu);
  ELSIF kind = 'quota' THEN
    r := governance.quota(period, as_of, permu);
  ELSIF kind = 'disclosure' THEN
    r := governance.disclosure_result(as_of);
  ELSE
    RAISE EXCEPTION '报告类型未知 / unknown report kind "%"', kind USING ERRCODE = '22023';
  END IF;
  IF r IS NULL THEN
    RAISE EXCEPTION '期间与报告类型不符 / period "%" does not suit a % report', period, kind USING ERRCODE = '22023';
  END IF;
  RETURN r;
END $$;
COMMENT ON FUNCTION governance.compute(text, text, date, text[], jsonb) IS
  'computes a report (quarterly, ranking, evaluation, quota, disclosure) from its inputs without storing it: what generate stores and a regeneration compares';

CREATE OR REPLACE FUNCTION governance.generate(kind text, period text, as_of date, scope text[], params jsonb, actor text)
  RETURNS bigint
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  r jsonb;
  new_id bigint;
BEGIN
  r := governance.compute(kind, period, as_of, scope, params);
  INSERT INTO governance.report (kind, period, as_of, scope, params, rule_versions, data_version, result, digest, generated_by, duration_ms)
  VALUES (kind, period, as_of, scope, params, governance.rule_versions(as_of, scope), governance.data_version(), r, md5(r::text),
          actor, round(extract(epoch FROM clock_timestamp() - t0) * 1000)::integer)
  RETURNING id INTO new_id;
  IF kind = 'disclosure' THEN
    INSERT INTO governance.disclosure_item (report_id, seq, class, ref, detail, county_code, county_name, cluster_code, cluster_name,
                                            area_m2, area_mu, since, responsible_unit, geom)
    SELECT new_id, d.seq, d.class, d.ref, d.detail, d.county_code, d.county_name, d.cluster_code, d.cluster_name,
           d.area_m2, d.area_mu, d.since, d.responsible_unit, d.geom
    FROM governance.disclosure_items(as_of) d;
  END IF;
  RETURN new_id;
END $$;
COMMENT ON FUNCTION governance.generate(text, text, date, text[], jsonb, text) IS
  'computes a report and stores it with its inputs, the rule versions in force at as_of, the data version and an md5 of the result (a disclosure also stores its published items); returns the report id. Run in a REPEATABLE READ transaction.';

RESET check_function_bodies;
