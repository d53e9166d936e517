/* One approval batch (批次) as GeoJSON Feature text with its version and the parcels on it in the caller's counties; no row when missing or out of scope. */
SELECT b.version,
  json_build_object(
    'type', 'Feature',
    'id', b.approval_no,
    'geometry', ST_AsGeoJSON(b.geom, 7)::json,
    'properties', json_build_object(
      'approval_no', b.approval_no, 'name', b.name, 'county_code', b.county_code, 'cluster_code', b.cluster_code,
      'approved_on', b.approved_on, 'area_m2', round(b.area_m2::numeric, 2), 'area_mu', round(b.area_mu::numeric, 4),
      'version', b.version, 'created_at', b.created_at,
      'parcels', (
        SELECT coalesce(json_agg(json_build_object(
                 'code', p.code, 'stage', p.stage,
                 'overlap_m2', round(ellipsoidal_area_m2(ST_Intersection(p.geom, b.geom))::numeric, 2)
               ) ORDER BY p.code), '[]'::json)
          FROM parcel p
         WHERE p.geom && b.geom AND ST_Intersects(p.geom, b.geom) AND NOT ST_Touches(p.geom, b.geom)
           AND p.retired_at IS NULL
           AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))))
  )::text AS batch
FROM approval_batch b
WHERE b.approval_no = ${no}
  AND (${scope}::text[] IS NULL OR b.county_code = ANY(${scope}::text[]))
