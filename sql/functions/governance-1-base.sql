/* Governance (§四(三) 季度通报、半年评比、年度考评; §二(三)9 增存挂钩; §四(四) 公开): periods, the rule
   versions and data version a report records, and small helpers shared by governance-2…6. */

-- The bodies below call functions of files that sort after this one (analysis-*, permu-*,
-- standard-land-*), all created in the same transaction: checked at their first call instead.
SET LOCAL check_function_bodies = off;

/* A period label: 2024Q2 (quarter), 2024H1 (half year), 2024 (year). year_start is the last day of
   the previous year: "the stock at the start of a year" is the stock on 31 December before it, as
   in analysis.summary. fraction is the part of the year the period ends at (Q2: 0.5). */
CREATE OR REPLACE FUNCTION governance.period_bounds(period text)
  RETURNS TABLE (label text, kind text, year integer, starts_on date, ends_on date, year_start date, fraction numeric)
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  m text[];
  y integer;
  n integer;
BEGIN
  m := regexp_match($1, '^(\d{4})(?:([QH])([1-4]))?$');
  IF m IS NULL OR (m[2] = 'H' AND m[3]::integer > 2) THEN
    RAISE EXCEPTION '期间格式错误 / period "%" is not YYYYQn (n 1–4), YYYYH1, YYYYH2 or YYYY', $1 USING ERRCODE = '22023';
  END IF;
  y := m[1]::integer;
  IF m[2] IS NULL THEN
    RETURN QUERY SELECT $1, 'year'::text, y, make_date(y, 1, 1), make_date(y, 12, 31), make_date(y - 1, 12, 31), 1::numeric;
  ELSIF m[2] = 'Q' THEN
    n := m[3]::integer;
    RETURN QUERY SELECT $1, 'quarter'::text, y, make_date(y, 3 * n - 2, 1), (make_date(y, 3 * n - 2, 1) + interval '3 months' - interval '1 day')::date,
      make_date(y - 1, 12, 31), n / 4.0;
  ELSE
    n := m[3]::integer;
    RETURN QUERY SELECT $1, 'half'::text, y, make_date(y, 6 * n - 5, 1), (make_date(y, 6 * n - 5, 1) + interval '6 months' - interval '1 day')::date,
      make_date(y - 1, 12, 31), n / 2.0;
  END IF;
END $$;
COMMENT ON FUNCTION governance.period_bounds(text) IS
  'a period label (2024Q2, 2024H1, 2024) as its kind, year, first and last day, the year-start stock date (31 December before) and the part of the year it ends at';

/* The county_rule rows in force at a date for the counties of a scope (NULL: every county) and the
   city-wide set, each once: what a report records so that it can say which rules it applied. */
CREATE OR REPLACE FUNCTION governance.rule_versions(as_of date, scope text[] DEFAULT NULL) RETURNS jsonb
  LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('key', v.key, 'rule_id', v.rule_id, 'county_code', v.county_code,
                                               'effective_from', v.effective_from) ORDER BY v.rule_id), '[]'::jsonb)
  FROM (
    SELECT DISTINCT e.key, (e.value ->> 'rule_id')::bigint AS rule_id, e.value ->> 'county_code' AS county_code,
           e.value ->> 'effective_from' AS effective_from
    FROM analysis.rules_at($1) rs CROSS JOIN LATERAL jsonb_each(rs.rules) e
    WHERE rs.county_code IS NULL OR $2 IS NULL OR rs.county_code = ANY($2)
  ) v
$$;
COMMENT ON FUNCTION governance.rule_versions(date, text[]) IS
  'the county rules in force at a date for the counties of a scope and the city-wide set: [{key, rule_id, county_code (null: city-wide), effective_from}] by rule_id';

-- The data a report saw: the last event of the append-only log (一地一档) visible to it.
CREATE OR REPLACE FUNCTION governance.data_version() RETURNS bigint
  LANGUAGE sql STABLE AS $$ SELECT coalesce(max(id), 0) FROM event_log $$;
COMMENT ON FUNCTION governance.data_version() IS 'max(event_log.id) visible now: the data version a report records';

-- A set of parcels behind a figure: how many, their area, and their codes (the link to the parcels).
CREATE OR REPLACE FUNCTION governance.pset(n bigint, m2 numeric, codes jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object('parcels', coalesce($1, 0), 'area_m2', coalesce($2, 0), 'area_mu', analysis.mu(coalesce($2, 0)),
                            'codes', coalesce($3, '[]'::jsonb))
$$;
COMMENT ON FUNCTION governance.pset(bigint, numeric, jsonb) IS 'a figure over parcels: {parcels, area_m2, area_mu, codes}';

-- A figure that another module owns and that is not installed: never a made-up number.
CREATE OR REPLACE FUNCTION governance.missing(what text) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT jsonb_build_object('value', NULL, 'missing', $1) $$;
COMMENT ON FUNCTION governance.missing(text) IS 'the marker of a figure whose source is not installed: {value: null, missing: what}';

-- The value of a threshold cited in a finding's reason ({key, value, rule_id, …} in reason.thresholds).
CREATE OR REPLACE FUNCTION governance.cited(reason jsonb, key text) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT analysis.rule_num(jsonb_build_object($2, t), $2)
  FROM jsonb_array_elements($1 -> 'thresholds') t WHERE t ->> 'key' = $2 LIMIT 1
$$;
COMMENT ON FUNCTION governance.cited(jsonb, text) IS 'the value of the threshold `key` cited in a finding''s reason';

/* Since when a finding has held, from the facts its reason cites (for the public lists, §四(四)):
   idle not started: the day after agreed start + idle_days; idle halted and type 2: halt + halt_days;
   types 1 and 6: the flag's date; type 3: the measurement that missed; types 4 and 5: 1 January after
   the last year counted (the figures themselves stay out of every public answer). */
CREATE OR REPLACE FUNCTION governance.finding_since(rule text, reason jsonb) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE $1
    WHEN 'idle.not_started' THEN
      (SELECT (s ->> 'agreed_start_on')::date FROM jsonb_array_elements($2 -> 'sources') s WHERE s ->> 'table' = 'supply_contract' LIMIT 1)
        + governance.cited($2, 'idle_days')::integer + 1
    WHEN 'idle.halted' THEN ($2 -> 'measured' ->> 'halted_on')::date + governance.cited($2, 'halt_days')::integer
    WHEN 'inefficient.type2_stalled' THEN ($2 -> 'measured' ->> 'halted_on')::date + governance.cited($2, 'halt_days')::integer
    WHEN 'inefficient.type1_industry_transition' THEN (SELECT min((s ->> 'set_on')::date) FROM jsonb_array_elements($2 -> 'sources') s)
    WHEN 'inefficient.type6_other' THEN (SELECT min((s ->> 'set_on')::date) FROM jsonb_array_elements($2 -> 'sources') s)
    WHEN 'inefficient.type3_under_developed' THEN
      (SELECT max((s ->> 'occurred_on')::date) FROM jsonb_array_elements($2 -> 'sources') s WHERE s ->> 'field' = 'measured')
    WHEN 'inefficient.type4_stopped' THEN
      make_date((SELECT max(y::integer) FROM jsonb_array_elements_text($2 -> 'measured' -> 'years') y) + 1, 1, 1)
    WHEN 'inefficient.type5_low_output' THEN make_date(($2 -> 'measured' ->> 'last_rated_year')::integer + 1, 1, 1)
  END
$$;
COMMENT ON FUNCTION governance.finding_since(text, jsonb) IS 'the date from which an idle or inefficient finding has held, from the facts and thresholds its reason cites';

-- The yearly targets of §一(二) with the rules they come from, and what is due by the part of the year gone.
CREATE OR REPLACE FUNCTION governance.targets(as_of date, fraction numeric) RETURNS jsonb
  LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'fraction_of_year', $2,
    'unsupplied_yearly', jsonb_build_object('target', analysis.rule_num(r.rules, 'unsupplied_yearly_target'),
        'to_date', analysis.rule_num(r.rules, 'unsupplied_yearly_target') * $2, 'basis', '§一(二)2 每年消化批而未供30%',
        'rule', analysis.rule_cite(r.rules, 'unsupplied_yearly_target')),
    'old_stock', jsonb_build_object('target', analysis.rule_num(r.rules, 'stock_revitalise_target'),
        'deadline', analysis.rule_date(r.rules, 'stock_revitalise_deadline'), 'baseline', analysis.rule_date(r.rules, 'unsupplied_baseline_date'),
        'cutoff', analysis.rule_date(r.rules, 'stock_cutoff_date'), 'basis', '§一(二)1 盘活2018年前批而未供存量60%',
        'rules', jsonb_build_array(analysis.rule_cite(r.rules, 'stock_revitalise_target'), analysis.rule_cite(r.rules, 'stock_revitalise_deadline'),
                                   analysis.rule_cite(r.rules, 'unsupplied_baseline_date'), analysis.rule_cite(r.rules, 'stock_cutoff_date'))),
    'idle_disposal', jsonb_build_object('target', analysis.rule_num(r.rules, 'idle_disposal_yearly_target'),
        'to_date', analysis.rule_num(r.rules, 'idle_disposal_yearly_target') * $2, 'basis', '§一(二)2 每年处置闲置和低效用地40%',
        'rule', analysis.rule_cite(r.rules, 'idle_disposal_yearly_target')),
    'inefficient_disposal', jsonb_build_object('target', analysis.rule_num(r.rules, 'inefficient_disposal_yearly_target'),
        'to_date', analysis.rule_num(r.rules, 'inefficient_disposal_yearly_target') * $2, 'basis', '§一(二)2 每年处置闲置和低效用地40%',
        'rule', analysis.rule_cite(r.rules, 'inefficient_disposal_yearly_target')))
  FROM analysis.rules_at($1) r WHERE r.county_code IS NULL
$$;
COMMENT ON FUNCTION governance.targets(date, numeric) IS
  'the city-wide yearly targets in force at a date (批而未供 30%/year, old stock 60%, idle and inefficient 40%/year), what is due by the given part of the year, and the rules they come from';

RESET check_function_bodies;
