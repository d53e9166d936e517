/* The city's extent as one GeoJSON Feature (the county outlines' union widened by their precision),
   with its bounding box, precision and source. */
SELECT json_build_object(
  'type', 'Feature',
  'geometry', ST_AsGeoJSON(e.geom, 6)::json,
  'properties', json_build_object(
    'precision_m', e.precision_m,
    'source', e.source,
    'bbox', json_build_array(ST_XMin(e.geom), ST_YMin(e.geom), ST_XMax(e.geom), ST_YMax(e.geom))
  )
) AS feature
FROM city_extent e
