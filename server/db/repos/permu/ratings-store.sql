/* Stores the ratings of ${year} for the land users in ${scope} (the evaluation of that year, replacing earlier stored ones of the same enterprises and year) and returns how many per grade. */
WITH r AS (
  SELECT r.* FROM analysis.enterprise_ratings(${year}) r
  WHERE ${scope}::text[] IS NULL OR r.county_code = ANY(${scope}::text[])
),
stored AS (
  INSERT INTO enterprise_rating (credit_code, year, county_code, cluster_code, rating, score, rule_id, rule_effective_from, inputs, computed_by)
  SELECT r.credit_code, r.year, r.county_code, r.cluster_code, r.rating, round(r.score, 4), r.rule_id, r.rule_effective_from, r.inputs, ${actor}
  FROM r
  ON CONFLICT (credit_code, year) DO UPDATE SET
    county_code = EXCLUDED.county_code, cluster_code = EXCLUDED.cluster_code, rating = EXCLUDED.rating, score = EXCLUDED.score,
    rule_id = EXCLUDED.rule_id, rule_effective_from = EXCLUDED.rule_effective_from, inputs = EXCLUDED.inputs,
    computed_at = now(), computed_by = EXCLUDED.computed_by, version = enterprise_rating.version + 1
  RETURNING rating
)
SELECT json_build_object('year', ${year}::int, 'stored', count(*),
  'counts', json_build_object('A', count(*) FILTER (WHERE rating = 'A'), 'B', count(*) FILTER (WHERE rating = 'B'),
                              'C', count(*) FILTER (WHERE rating = 'C'), 'D', count(*) FILTER (WHERE rating = 'D'))) AS result
FROM stored
