/* Nothing: warnings about where and how large the features are (issue 3 §6): outside every
   cluster; stated area off the ellipsoidal area by more than the tolerance; overlapping an
   existing parcel (interiors meeting, not just touching) by more than the tolerance in m². */
INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.outside_cluster}, 'outside_cluster', ${t.outside_cluster}
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND ${layer} NOT IN ('clusters','contracts','plan_zones')
  AND f.cluster_code IS NULL AND f.area_m2 >= 0.01;

-- A plan zone belongs to a cluster's plan: outside every cluster it has nowhere to go.
INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.zone_outside_cluster}, 'zone_outside_cluster', ${t.zone_outside_cluster}
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND ${layer} = 'plan_zones' AND f.cluster_code IS NULL AND f.area_m2 >= 0.01;

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.area_mismatch}, 'area_mismatch',
       format(${t.area_mismatch}, round(s.stated::numeric, 2), round(f.area_m2::numeric, 2),
              round((100 * abs(s.stated - f.area_m2) / f.area_m2)::numeric, 2), round((100 * ${tolerance})::numeric, 2)),
       jsonb_build_object('stated_m2', s.stated, 'area_m2', f.area_m2)
FROM upload_feature f
CROSS JOIN LATERAL (SELECT (f.values->>'stated_area_m2')::float8 AS stated) s
WHERE f.upload_id = ${uploadId} AND f.area_m2 >= 0.01 AND s.stated > 0
  AND abs(s.stated - f.area_m2) > ${tolerance} * f.area_m2;

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.overlap}, 'overlap', format(${t.overlap}, o.code, round(o.m2::numeric, 2)),
       jsonb_build_object('parcel_code', o.code, 'overlap_m2', o.m2)
FROM upload_feature f
CROSS JOIN LATERAL (
  SELECT p.code, ellipsoidal_area_m2(ST_CollectionExtract(ST_Intersection(p.geom, f.geom), 3)) AS m2
  FROM parcel p
  WHERE p.geom && f.geom AND p.retired_at IS NULL AND p.code IS DISTINCT FROM f.key
    AND ST_Relate(p.geom, f.geom, '2********')
) o
WHERE ${layer} = 'parcels' AND f.upload_id = ${uploadId} AND f.area_m2 >= 0.01 AND o.m2 > ${overlapM2}
