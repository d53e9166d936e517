/* The A/B/C/D ratings of ${year} as the county rules rate them now, beside the ones stored and imported, for land users in the caller's counties, with the count per grade, as JSON text. */
WITH r AS MATERIALIZED (
  SELECT r.* FROM analysis.enterprise_ratings(${year}) r
  WHERE (${scope}::text[] IS NULL OR r.county_code = ANY(${scope}::text[]))
    AND (${county}::text[] IS NULL OR r.county_code = ANY(${county}::text[]))
    AND (${cluster}::text[] IS NULL OR r.cluster_code = ANY(${cluster}::text[]))
)
SELECT json_build_object(
  'year', ${year}::int,
  'counts', (SELECT json_object_agg(g, (SELECT count(*) FROM r WHERE r.rating = g)) FROM unnest(ARRAY['A','B','C','D']) g),
  'stored_counts', (SELECT json_object_agg(g, (SELECT count(*) FROM r JOIN enterprise_rating s ON s.credit_code = r.credit_code AND s.year = ${year} WHERE s.rating = g))
                    FROM unnest(ARRAY['A','B','C','D']) g),
  'items', coalesce((SELECT json_agg(json_build_object(
      'credit_code', r.credit_code, 'name', r.name, 'county_code', r.county_code, 'cluster_code', r.cluster_code,
      'rating', r.rating, 'score', round(r.score, 2), 'tax_per_mu', round(r.tax_per_mu, 4), 'output_per_mu', round(r.output_per_mu, 4),
      'target', round(r.target, 4),
      'rule', json_build_object('rule_id', r.rule_id, 'effective_from', r.rule_effective_from, 'county_code', r.rule_county_code),
      'parts', r.inputs->'parts', 'missing', r.inputs->'missing',
      'stored', (SELECT json_build_object('rating', s.rating, 'score', s.score, 'rule_id', s.rule_id, 'computed_at', s.computed_at,
                                          'computed_by', s.computed_by)
                 FROM enterprise_rating s WHERE s.credit_code = r.credit_code AND s.year = ${year}),
      'imported', (SELECT y.rating FROM enterprise_year y WHERE y.credit_code = r.credit_code AND y.year = ${year})
    ) ORDER BY r.score DESC, r.credit_code) FROM r), '[]'::json)
)::text AS ratings
