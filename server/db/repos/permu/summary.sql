/* Per-mu tax and output (annex 3 art. 14) of the city, the counties and the clusters in the caller's counties for ${year}, each with its target, gap, city-wide ranks and the trend from ${from}, as JSON text; figures of units with fewer enterprises than permu_disclosure_min_enterprises are withheld unless ${sensitive}. */
WITH s AS MATERIALIZED (
  SELECT s.*,
    -- enterprise figures may not be inferred from an aggregate of too few enterprises (DOMAIN.md "Governance")
    NOT ${sensitive} AND s.enterprises > 0 AND s.enterprises <
      (analysis.rule(s.county_code, 'permu_disclosure_min_enterprises', make_date(s.year, 12, 31)) #>> '{}')::numeric AS suppressed
  FROM analysis.permu_summary(${from}, ${year}) s
  WHERE s.level = 'city'
     OR ((${scope}::text[] IS NULL OR s.county_code = ANY(${scope}::text[]))
         AND (${county}::text[] IS NULL OR s.county_code = ANY(${county}::text[]))
         AND (${cluster}::text[] IS NULL OR s.level = 'county' OR s.code = ANY(${cluster}::text[])))
),
j AS (
  SELECT s.level, s.code, s.year, s.rank_per_mu, s.name,
    jsonb_build_object(
      'year', s.year, 'parcels', s.parcels, 'enterprises', s.enterprises, 'area_mu', round(s.area_mu, 4),
      'suppressed', s.suppressed, 'target', s.target)
    || CASE WHEN s.suppressed THEN jsonb_build_object(
      'tax_wan', NULL, 'tax_refund_wan', NULL, 'output_wan', NULL, 'tax_per_mu', NULL, 'output_per_mu', NULL,
      'gap', NULL, 'attainment', NULL, 'above_target', NULL, 'rank_per_mu', NULL, 'rank_attainment', NULL, 'change', NULL)
    ELSE jsonb_build_object(
      'tax_wan', round(s.tax_wan, 2), 'tax_refund_wan', round(s.tax_refund_wan, 2), 'output_wan', round(s.output_wan, 2),
      'tax_per_mu', round(s.tax_per_mu, 4), 'output_per_mu', round(s.output_per_mu, 4),
      'gap', round(s.gap, 4), 'attainment', round(s.attainment, 4), 'above_target', s.tax_per_mu >= s.target,
      'rank_per_mu', s.rank_per_mu, 'rank_attainment', s.rank_attainment, 'change', round(s.change, 4)) END AS v
  FROM s
),
units AS (
  SELECT j.level, j.code,
    jsonb_build_object('code', j.code, 'name', max(j.name), 'county_code', max(cl.county_code),
                       'short_name', max(cl.short_name))
    || (array_agg(j.v ORDER BY j.year DESC))[1] - 'year'
    || jsonb_build_object('trend', jsonb_agg(j.v ORDER BY j.year)) AS unit,
    (array_agg(j.rank_per_mu ORDER BY j.year DESC))[1] AS rank
  FROM j LEFT JOIN cluster cl ON j.level = 'cluster' AND cl.code = j.code
  GROUP BY j.level, j.code
)
SELECT json_build_object(
  'year', ${year}::int, 'from', ${from}::int,
  'years', (SELECT json_agg(y) FROM generate_series(${from}::int, ${year}::int) y),
  'city_target', (analysis.rule(NULL, 'city_target_tax_per_mu', make_date(${year}::int, 12, 31)) #>> '{}')::numeric,
  'city', (SELECT u.unit FROM units u WHERE u.level = 'city'),
  'counties', coalesce((SELECT jsonb_agg(u.unit ORDER BY u.rank NULLS LAST, u.code) FROM units u WHERE u.level = 'county'), '[]'::jsonb),
  'clusters', coalesce((SELECT jsonb_agg(u.unit ORDER BY u.rank NULLS LAST, u.code) FROM units u WHERE u.level = 'cluster'), '[]'::jsonb)
)::text AS summary
