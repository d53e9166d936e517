/* The standard-land pilot shares (annex 2 art. 5) from ${from} to ${year}, contracts signed by ${asOf}: the city, and the counties and clusters in the caller's counties, each year against its target, as JSON text. */
WITH s AS MATERIALIZED (
  SELECT s.* FROM analysis.standard_land_shares(${from}, ${year}, ${asOf}::date) s
  WHERE s.level = 'city'
     OR ((${scope}::text[] IS NULL OR s.county_code = ANY(${scope}::text[]))
         AND (${county}::text[] IS NULL OR s.county_code = ANY(${county}::text[]))
         AND (${cluster}::text[] IS NULL OR s.level = 'county' OR s.code = ANY(${cluster}::text[])))
),
j AS (
  SELECT s.level, s.code, s.name, s.county_code, json_agg(json_build_object(
    'year', s.year, 'sold', s.sold, 'sold_mu', round(s.sold_mu, 4), 'standard', s.standard, 'standard_mu', round(s.standard_mu, 4),
    'share_area', round(s.share_area, 4), 'share_count', round(s.share_count, 4), 'target', s.target, 'met', s.met,
    'contracts', s.contracts) ORDER BY s.year) AS years
  FROM s GROUP BY s.level, s.code, s.name, s.county_code
)
SELECT json_build_object(
  'year', ${year}::int, 'from', ${from}::int, 'as_of', ${asOf}::date,
  'city', (SELECT json_build_object('code', j.code, 'name', j.name, 'years', j.years) FROM j WHERE j.level = 'city'),
  'counties', coalesce((SELECT json_agg(json_build_object('code', j.code, 'name', j.name, 'years', j.years) ORDER BY j.code) FROM j WHERE j.level = 'county'), '[]'::json),
  'clusters', coalesce((SELECT json_agg(json_build_object('code', j.code, 'name', j.name, 'county_code', j.county_code, 'years', j.years) ORDER BY j.code) FROM j WHERE j.level = 'cluster'), '[]'::json)
)::text AS shares
