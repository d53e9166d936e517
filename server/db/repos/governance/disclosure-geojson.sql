/* One disclosure snapshot (an id, or NULL for the latest) as a GeoJSON FeatureCollection of its items with their shapes (public). */
WITH r AS (
  SELECT r.id, r.as_of FROM governance.report r
  WHERE r.kind = 'disclosure' AND r.id = coalesce(${id}::bigint, (SELECT max(x.id) FROM governance.report x WHERE x.kind = 'disclosure'))
)
SELECT json_build_object('type', 'FeatureCollection', 'snapshot_id', r.id, 'as_of', r.as_of,
  'features', coalesce((SELECT json_agg(json_build_object('type', 'Feature', 'id', d.seq, 'geometry', ST_AsGeoJSON(d.geom, 7)::json,
       'properties', governance.disclosure_item_json(d.seq, d.class, d.ref, d.detail, d.county_code, d.county_name, d.cluster_code,
                       d.cluster_name, d.area_m2, d.area_mu, d.since, d.responsible_unit, d.geom)) ORDER BY d.seq)
     FROM governance.disclosure_item d WHERE d.report_id = r.id), '[]'::json)) AS collection
FROM r
