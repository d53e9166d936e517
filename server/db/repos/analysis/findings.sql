/* Parcels with findings of one classification at a date, one page of a GeoJSON FeatureCollection (a feature per parcel, its findings with reasons), with the total count. */
WITH ids AS (
  SELECT CASE WHEN ${scope}::text[] IS NULL AND ${county}::text IS NULL AND ${cluster}::text IS NULL THEN NULL
              ELSE coalesce(array_agg(p.id), '{}') END AS ids
  FROM parcel p
  WHERE (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
    AND (${county}::text IS NULL OR p.county_code = ${county})
    AND (${cluster}::text IS NULL OR p.cluster_code = ${cluster})
),
f AS MATERIALIZED (
  SELECT f.* FROM analysis.findings_at(${asOf}::date, (SELECT ids FROM ids)) f
  WHERE f.classification = ${classification}
    AND (${rule}::text IS NULL OR f.rule = ${rule})
    AND (${type}::int IS NULL OR f.inefficient_type = ${type}::int)
    AND (${stage}::int IS NULL OR f.stage = ${stage}::int)
    AND (${includeSuspended} OR NOT f.suspended)
),
parcels AS (SELECT DISTINCT f.parcel_id FROM f),
page AS (SELECT parcel_id FROM parcels ORDER BY parcel_id LIMIT ${limit} OFFSET ${offset})
SELECT json_build_object(
  'type', 'FeatureCollection',
  'as_of', ${asOf}::date,
  'total', (SELECT count(*) FROM parcels),
  'limit', ${limit}, 'offset', ${offset},
  'features', coalesce((SELECT json_agg(json_build_object(
    'type', 'Feature',
    'id', p.code,
    'geometry', ST_AsGeoJSON(p.geom, 7)::json,
    'properties', json_build_object(
      'parcel_id', p.id, 'code', p.code, 'county_code', p.county_code, 'cluster_code', p.cluster_code,
      'land_use', p.land_use, 'area_m2', round(p.area_m2::numeric, 2), 'area_mu', round(p.area_mu::numeric, 4),
      'findings', (SELECT json_agg(json_build_object(
          'classification', x.classification, 'rule', x.rule, 'type', x.inefficient_type, 'stage', x.stage,
          'suspended', x.suspended, 'label', x.reason ->> 'label', 'reason', redact_sensitive(x.reason, ${sensitive}))
        ORDER BY x.rule) FROM f x WHERE x.parcel_id = p.id))
  ) ORDER BY p.id) FROM page pg JOIN parcel p ON p.id = pg.parcel_id), '[]'::json)
) AS collection
