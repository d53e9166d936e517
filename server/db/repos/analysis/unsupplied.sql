/* 批而未供 remainders at a date as one page of a GeoJSON FeatureCollection, with the total count. */
WITH ids AS (
  SELECT CASE WHEN ${scope}::text[] IS NULL AND ${county}::text IS NULL AND ${cluster}::text IS NULL THEN NULL
              ELSE coalesce(array_agg(b.id), '{}') END AS ids
  FROM approval_batch b
  WHERE (${scope}::text[] IS NULL OR b.county_code = ANY(${scope}::text[]))
    AND (${county}::text IS NULL OR b.county_code = ${county})
    AND (${cluster}::text IS NULL OR b.cluster_code = ${cluster})
),
u AS MATERIALIZED (
  SELECT u.* FROM analysis.unsupplied_at(${asOf}::date, (SELECT ids FROM ids)) u
  WHERE ${includeDigested} OR u.remainder_m2 > 0
),
page AS (SELECT * FROM u ORDER BY u.batch_id LIMIT ${limit} OFFSET ${offset})
SELECT json_build_object(
  'type', 'FeatureCollection',
  'as_of', ${asOf}::date,
  'total', (SELECT count(*) FROM u),
  'limit', ${limit}, 'offset', ${offset},
  'features', coalesce((SELECT json_agg(json_build_object(
    'type', 'Feature',
    'id', p.batch_id,
    'geometry', ST_AsGeoJSON(p.geom, 7)::json,
    'properties', json_build_object(
      'batch_id', p.batch_id, 'approval_no', p.approval_no, 'county_code', p.county_code, 'cluster_code', p.cluster_code,
      'approved_on', p.approved_on, 'old_stock', p.old_stock, 'batch_m2', p.batch_m2, 'supplied_m2', p.supplied_m2,
      'remainder_m2', p.remainder_m2, 'remainder_mu', p.remainder_mu, 'sliver_count', p.sliver_count,
      'sliver_m2', p.sliver_m2, 'digestion_rate', p.digestion_rate, 'reason', redact_sensitive(p.reason, ${sensitive}))
  ) ORDER BY p.batch_id) FROM page p), '[]'::json)
) AS collection
