/* The items of a disclosure snapshot meeting a tile's lon/lat box (grown by its buffer), as GeoJSON features with the public fields. */
SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', d.seq,
         'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(d.geom, ${tolerance}), 7)::json,
         'properties', json_build_object('seq', d.seq, 'class', d.class, 'ref', d.ref, 'detail', d.detail,
           'county_name', d.county_name, 'cluster_name', d.cluster_name, 'area_mu', round(d.area_mu, 2)::float8,
           'since', d.since::text, 'responsible_unit', d.responsible_unit)) ORDER BY d.seq), '[]'::json) AS features
FROM governance.disclosure_item d
WHERE d.report_id = ${id} AND d.geom && ST_MakeEnvelope(${west}, ${south}, ${east}, ${north}, 4490)
