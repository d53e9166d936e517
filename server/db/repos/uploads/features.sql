/* The staged features of an upload as a GeoJSON FeatureCollection in EPSG:4490 (lon/lat, as the
   map draws them), each with its key, county (and how it was decided), mapped values, area, status (ok, warning, rejected),
   what the commit would do with it (new, changed with the fields, unchanged) and issues; only those meeting the bbox (west,
   south, east, north) when given, at most ${limit}, in file order. */
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'id', x.idx,
    'geometry', ST_AsGeoJSON(x.geom, 7)::json,
    'properties', json_build_object(
      'index', x.idx, 'source', x.source, 'sourceIndex', x.source_index, 'key', x.key,
      'county_code', x.county_code, 'county_name', (SELECT b.name FROM county_boundary b WHERE b.code = x.county_code),
      'county_source', x.county_source, 'location_county', x.location_county, 'cluster_code', x.cluster_code,
      'area_m2', round(x.area_m2::numeric, 2), 'values', x.values,
      'status', CASE WHEN x.found @> '[{"level":"error"}]' THEN 'rejected'
                     WHEN x.found @> '[{"level":"warning"}]' THEN 'warning' ELSE 'ok' END,
      'change', CASE WHEN x.changed_fields IS NULL THEN 'new' WHEN cardinality(x.changed_fields) = 0 THEN 'unchanged' ELSE 'changed' END,
      'changedFields', x.changed_fields,
      'issues', x.found)
  ) ORDER BY x.idx), '[]'::json),
  'truncated', count(*) >= ${limit}
) AS collection
FROM (
  SELECT f.*, coalesce((
    SELECT jsonb_agg(jsonb_build_object('level', i.level, 'code', i.code, 'message', i.message) ORDER BY i.level, i.code)
    FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx), '[]'::jsonb) AS found
  FROM upload_feature f
  WHERE f.upload_id = ${id}::uuid AND f.geom IS NOT NULL
    AND (${west}::float8 IS NULL OR f.geom && ST_MakeEnvelope(${west}, ${south}, ${east}, ${north}, 4490))
  ORDER BY f.idx
  LIMIT ${limit}
) x
