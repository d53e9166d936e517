/* One parcel's card (一宗一卡) as JSON, or no row when it is missing or outside the caller's counties. */
SELECT json_build_object(
  'type', 'Feature',
  'id', p.code,
  'geometry', ST_AsGeoJSON(p.geom, 7)::json,
  'properties', json_build_object(
    'code', p.code,
    'county_code', p.county_code,
    'cluster_code', p.cluster_code,
    'land_use', p.land_use,
    'stage', p.stage,
    'area_m2', round(p.area_m2::numeric, 2),
    'area_mu', round(p.area_mu::numeric, 4),
    'stated_area_m2', p.stated_area_m2,
    'version', p.version,
    'retired_at', p.retired_at,
    'retired_reason', p.retired_reason
  )
) AS card
FROM parcel p
WHERE p.code = ${code}
  AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
