/* Sets whether a county (NULL: the city-wide default) publishes a class from a date on: a county_rule row
   carrying the row in force then with this class changed; returns its id. */
INSERT INTO county_rule (county_code, key, value, effective_from, note)
SELECT ${county}, 'disclosure_publish',
  coalesce((SELECT r.value FROM county_rule r
            WHERE r.key = 'disclosure_publish' AND r.county_code IS NOT DISTINCT FROM ${county} AND r.effective_from <= ${from}::date
            ORDER BY r.effective_from DESC LIMIT 1), '{}'::jsonb) || jsonb_build_object(${class}::text, ${publish}::boolean),
  ${from}::date, ${note}
ON CONFLICT (county_code, key, effective_from) DO UPDATE SET value = county_rule.value || EXCLUDED.value, note = EXCLUDED.note
RETURNING id
