/* 未供即用 remote-sensing change polygons on land no contract covers at a date, one page of a GeoJSON FeatureCollection, with the total count. */
WITH ids AS (
  SELECT CASE WHEN ${scope}::text[] IS NULL AND ${county}::text IS NULL THEN NULL
              ELSE coalesce(array_agg(r.id), '{}') END AS ids
  FROM rs_change r
  WHERE (${scope}::text[] IS NULL OR r.county_code = ANY(${scope}::text[]))
    AND (${county}::text IS NULL OR r.county_code = ${county})
),
c AS MATERIALIZED (
  SELECT c.* FROM analysis.used_before_supply_changes_at(${asOf}::date, (SELECT ids FROM ids)) c
  WHERE ${cluster}::text IS NULL OR c.cluster_code = ${cluster}
),
page AS (SELECT * FROM c ORDER BY c.change_id LIMIT ${limit} OFFSET ${offset})
SELECT json_build_object(
  'type', 'FeatureCollection',
  'as_of', ${asOf}::date,
  'total', (SELECT count(*) FROM c),
  'limit', ${limit}, 'offset', ${offset},
  'features', coalesce((SELECT json_agg(json_build_object(
    'type', 'Feature',
    'id', 'rs_change:' || p.change_id,
    'geometry', ST_AsGeoJSON(p.geom, 7)::json,
    'properties', json_build_object(
      'source', 'rs_change', 'change_id', p.change_id, 'county_code', p.county_code, 'cluster_code', p.cluster_code,
      'area_m2', p.area_m2, 'area_mu', analysis.mu(p.area_m2), 'reason', redact_sensitive(p.reason, ${sensitive}))
  ) ORDER BY p.change_id) FROM page p), '[]'::json)
) AS collection
