/* County rules as data (DOMAIN.md: "every threshold is data, per county, versioned, with an
   effective date"; seed §二(三)7–8). A county's own row wins over the city-wide row
   (county_code NULL); among rows of one owner, the latest effective_from on or before the date. */

CREATE OR REPLACE FUNCTION analysis.rule(county_code text, key text, as_of date) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT r.value FROM county_rule r
  WHERE r.key = $2 AND r.effective_from <= $3 AND (r.county_code = $1 OR r.county_code IS NULL)
  ORDER BY (r.county_code IS NULL), r.effective_from DESC
  LIMIT 1
$$;
COMMENT ON FUNCTION analysis.rule(text, text, date) IS
  'the value of a county rule in force at a date: the county''s own latest row on or before as_of, else the city-wide one; NULL when none';

-- Every rule in force at a date, per county, with its provenance, as one jsonb object per county:
-- {key: {"key", "value", "rule_id", "effective_from", "county_code"}}. Reasons cite these objects.
CREATE OR REPLACE FUNCTION analysis.rules_at(as_of date)
  RETURNS TABLE (county_code char(6), rules jsonb)
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT s.code, jsonb_object_agg(s.key, jsonb_build_object(
           'key', s.key, 'value', s.value, 'rule_id', s.id, 'effective_from', s.effective_from, 'county_code', s.rule_county))
  FROM (
    SELECT DISTINCT ON (k.code, r.key) k.code, r.key, r.value, r.id, r.effective_from, r.county_code AS rule_county
    FROM (SELECT code FROM county UNION ALL SELECT NULL) k
    JOIN county_rule r ON (r.county_code = k.code OR r.county_code IS NULL) AND r.effective_from <= $1
    ORDER BY k.code, r.key, (r.county_code IS NULL), r.effective_from DESC
  ) s
  GROUP BY s.code
$$;
COMMENT ON FUNCTION analysis.rules_at(date) IS
  'per county (and one row with county_code NULL: the city-wide rules alone), every rule in force at the date as {key: {key, value, rule_id, effective_from, county_code}} (county_code null = city-wide row)';

-- A rule of a county's rule set as a number. A missing rule is an error, never a silent NULL
-- that would make a comparison fail quietly. "a/b" strings are exact fractions (1/3 of 2012 art. 2).
CREATE OR REPLACE FUNCTION analysis.rule_num(rules jsonb, key text) RETURNS numeric
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  v jsonb := rules -> key -> 'value';
  parts text[];
BEGIN
  IF v IS NULL THEN
    RAISE EXCEPTION '规则缺失 / county rule "%" is not set (add a county_rule row, city-wide or for the county)', key;
  END IF;
  IF jsonb_typeof(v) = 'number' THEN RETURN v::text::numeric; END IF;
  IF jsonb_typeof(v) = 'string' THEN
    parts := regexp_match(v #>> '{}', '^\s*([0-9.]+)\s*/\s*([0-9.]+)\s*$');
    IF parts IS NOT NULL THEN RETURN parts[1]::numeric / parts[2]::numeric; END IF;
    RETURN (v #>> '{}')::numeric;
  END IF;
  RAISE EXCEPTION '规则格式错误 / county rule "%" is not a number: %', key, v;
END $$;
COMMENT ON FUNCTION analysis.rule_num(jsonb, text) IS
  'a rule of a rules_at() set as numeric ("a/b" strings are exact fractions); raises when the rule is missing';

CREATE OR REPLACE FUNCTION analysis.rule_date(rules jsonb, key text) RETURNS date
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF rules -> key -> 'value' IS NULL THEN
    RAISE EXCEPTION '规则缺失 / county rule "%" is not set (add a county_rule row, city-wide or for the county)', key;
  END IF;
  RETURN (rules -> key ->> 'value')::date;
END $$;
COMMENT ON FUNCTION analysis.rule_date(jsonb, text) IS 'a rule of a rules_at() set as a date; raises when the rule is missing';

CREATE OR REPLACE FUNCTION analysis.rule_list(rules jsonb, key text) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF jsonb_typeof(rules -> key -> 'value') IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION '规则缺失 / county rule "%" is not set as a list', key;
  END IF;
  RETURN ARRAY(SELECT jsonb_array_elements_text(rules -> key -> 'value'));
END $$;
COMMENT ON FUNCTION analysis.rule_list(jsonb, text) IS 'a rule of a rules_at() set as a text array; raises when the rule is missing';

-- The citation of a rule in a reason: which row, whose, from when, and its value.
CREATE OR REPLACE FUNCTION analysis.rule_cite(rules jsonb, key text) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1 -> $2 $$;
COMMENT ON FUNCTION analysis.rule_cite(jsonb, text) IS 'the {key, value, rule_id, effective_from, county_code} citation of a rule in a rules_at() set';

-- Dates are Beijing dates: a parcel retired at 2024-05-01 10:00 +08 is retired as of 2024-05-01.
CREATE OR REPLACE FUNCTION analysis.local_date(t timestamptz) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (t AT TIME ZONE 'Asia/Shanghai')::date $$;
COMMENT ON FUNCTION analysis.local_date(timestamptz) IS 'the date in China Standard Time of a timestamp';

-- Areas in reasons and totals: m² rounded to the centimetre² as numeric, so that sums of parts
-- equal the totals exactly; mu derived exactly from them (1 mu = 10000/15 m²).
CREATE OR REPLACE FUNCTION analysis.m2(a double precision) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round($1::numeric, 2) $$;
COMMENT ON FUNCTION analysis.m2(double precision) IS 'an area in m² rounded to 0.01 m² as numeric';

-- × 0.0015 rather than × 15 / 10000: the same value, with a fixed scale (that of m² + 4), so the
-- live and the stored numbers print alike.
CREATE OR REPLACE FUNCTION analysis.mu(m2 numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1 * 0.0015 $$;
COMMENT ON FUNCTION analysis.mu(numeric) IS 'm² (numeric) to mu, exactly: 1 mu = 10000/15 m²';
