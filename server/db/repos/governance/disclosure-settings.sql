/* Per county, the classes published at a date and the rule ids applied. */
SELECT coalesce(jsonb_agg(jsonb_build_object('county_code', s.county_code, 'county_name', s.county_name, 'unsupplied', s.unsupplied,
         'idle', s.idle, 'inefficient', s.inefficient, 'rule_ids', to_jsonb(s.rule_ids)) ORDER BY s.county_code), '[]'::jsonb) AS settings
FROM governance.disclosure_settings(${asOf}::date) s
