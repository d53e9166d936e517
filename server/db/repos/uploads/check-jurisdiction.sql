/* Nothing: rejects every feature not wholly inside the city's extent (city_extent(): the county
   outlines united and widened by their precision), whatever CRS it was read in; edits test the
   same extent (parcels/check-edit.sql). The feature's point on surface and its distance beyond
   the extent name where it is. */
INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.outside_city}, 'outside_city',
       format(${t.outside_city}, round(ST_X(p.pt)::numeric, 5), round(ST_Y(p.pt)::numeric, 5), round((d.m / 1000)::numeric, 1), round(e.precision_m::numeric)),
       jsonb_build_object('lon', ST_X(p.pt), 'lat', ST_Y(p.pt), 'beyond_m', d.m)
FROM (
  SELECT f.upload_id, f.idx, f.geom
  FROM upload_feature f CROSS JOIN city_extent e
  WHERE f.upload_id = ${uploadId} AND f.geom IS NOT NULL AND NOT ST_IsEmpty(f.geom)
    -- inside one small piece of the extent settles it for almost every feature, meeting none of them
    -- settles it the other way; only the few across pieces are tested against the whole extent
    AND CASE WHEN EXISTS (SELECT 1 FROM city_extent_part c WHERE c.geom && f.geom AND ST_Covers(c.geom, f.geom)) THEN false
             WHEN NOT EXISTS (SELECT 1 FROM city_extent_part c WHERE c.geom && f.geom AND ST_Intersects(c.geom, f.geom)) THEN true
             ELSE NOT (e.geom && f.geom AND ST_Covers(e.geom, f.geom)) END
  -- a fence: the distance below is worked out for the features outside only (the planner otherwise
  -- computed it for every feature before this test, 80 % of the check's time)
  OFFSET 0
) f
CROSS JOIN city_extent e
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(f.geom) AS pt) p
-- how far it is: from its point on surface to the nearest piece of the extent (city_extent_part,
-- small and indexed; the three nearest by their boxes, then the spheroid distance to the closest point)
CROSS JOIN LATERAL (
  SELECT min(ST_Distance(ST_ClosestPoint(x.geom, p.pt)::geography, p.pt::geography)) AS m
  FROM (SELECT c.geom FROM city_extent_part c ORDER BY c.geom <#> p.pt LIMIT 3) x
) d
