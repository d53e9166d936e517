/* The cluster KPIs of §一(二)4 for the city and the clusters in the caller's counties, ${from} to ${year}: energy per 万元 of value added and its fall on the previous year, intelligent-retrofit share of above-scale enterprises, each against its target, as JSON text. */
WITH k AS MATERIALIZED (
  SELECT k.* FROM analysis.cluster_kpis(${from}, ${year}) k
  WHERE k.level = 'city'
     OR ((${scope}::text[] IS NULL OR k.county_code = ANY(${scope}::text[]))
         AND (${county}::text[] IS NULL OR k.county_code = ANY(${county}::text[]))
         AND (${cluster}::text[] IS NULL OR k.code = ANY(${cluster}::text[])))
),
j AS (
  SELECT k.level, k.code, k.name, k.county_code, k.year, json_build_object(
    'year', k.year, 'energy_tce', round(k.energy_tce, 2), 'value_added_wan', round(k.value_added_wan, 2),
    'energy_intensity', round(k.energy_intensity, 6), 'intensity_decline', round(k.intensity_decline, 6),
    'decline_target', k.decline_target, 'decline_met', k.decline_met,
    'above_scale', k.above_scale, 'retrofitted', k.retrofitted, 'retrofit_share', round(k.retrofit_share, 4),
    'retrofit_target', k.retrofit_target, 'retrofit_met', k.retrofit_met) AS v
  FROM k
)
SELECT json_build_object(
  'year', ${year}::int, 'from', ${from}::int,
  'items', coalesce((SELECT json_agg(u.unit ORDER BY u.level = 'cluster', u.code) FROM (
      SELECT j.level, j.code, json_build_object('level', j.level, 'code', j.code, 'name', j.name, 'county_code', j.county_code,
                                                'years', json_agg(j.v ORDER BY j.year)) AS unit
      FROM j GROUP BY j.level, j.code, j.name, j.county_code) u), '[]'::json)
)::text AS kpis
