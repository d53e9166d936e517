/* The county outlines as one GeoJSON FeatureCollection (EPSG:4490, 6 decimals: 0.1 m, far below
   their precision), with the boundary file's source and precision. */
SELECT json_build_object(
  'type', 'FeatureCollection',
  'source', e.source,
  'precision_m', e.precision_m,
  'features', coalesce((
    SELECT json_agg(json_build_object(
      'type', 'Feature',
      'id', b.code,
      'geometry', ST_AsGeoJSON(b.geom, 6)::json,
      'properties', json_build_object('code', b.code, 'name', b.name, 'area_km2', round((b.area_m2 / 1e6)::numeric, 2))
    ) ORDER BY b.code)
    FROM county_boundary b), '[]'::json)
) AS collection
FROM city_extent e
