/* Nothing: rejects every feature not wholly inside the city's extent (city_extent(): the county
   outlines united and widened by their precision), whatever CRS it was read in; edits test the
   same extent (parcels/check-edit.sql). The feature's point on surface and its distance beyond
   the extent name where it is. */
INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.outside_city}, 'outside_city',
       format(${t.outside_city}, round(ST_X(p.pt)::numeric, 5), round(ST_Y(p.pt)::numeric, 5), round((d.m / 1000)::numeric, 1), round(e.precision_m::numeric)),
       jsonb_build_object('lon', ST_X(p.pt), 'lat', ST_Y(p.pt), 'beyond_m', d.m)
FROM upload_feature f
CROSS JOIN city_extent e
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(f.geom) AS pt) p
-- how far the part outside reaches: the vertex of the shape farthest from the extent
CROSS JOIN LATERAL (SELECT max(ST_Distance(e.geom::geography, v.geom::geography)) AS m FROM ST_DumpPoints(f.geom) v) d
WHERE f.upload_id = ${uploadId} AND f.geom IS NOT NULL AND NOT ST_IsEmpty(f.geom)
  AND NOT (e.geom && f.geom AND ST_Covers(e.geom, f.geom))
