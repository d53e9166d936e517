/* Nothing: warnings about where and how large the features are: outside every
   cluster; stated area off the ellipsoidal area by more than the tolerance; overlapping an
   existing parcel, or another parcel of the same file (interiors meeting, not just touching), by
   more than the tolerance in m². Which apply is the layer's (the registry's outsideCluster and
   overlaps). */
INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.outside_cluster}, 'outside_cluster', ${t.outside_cluster}
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND ${outsideCluster} = 'outside_cluster'
  AND f.cluster_code IS NULL AND f.area_m2 >= 0.01;

-- A plan zone belongs to a cluster's plan: outside every cluster it has nowhere to go.
INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.zone_outside_cluster}, 'zone_outside_cluster', ${t.zone_outside_cluster}
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND ${outsideCluster} = 'zone_outside_cluster' AND f.cluster_code IS NULL AND f.area_m2 >= 0.01;

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
WHERE ${overlaps} AND f.upload_id = ${uploadId} AND f.area_m2 >= 0.01 AND o.m2 > ${overlapM2};

-- Parcels of the same file that overlap each other: a survey error the live-table check cannot
-- see. The staging table has no spatial index (it would double the cost of staging), so this
-- upload's parcels get one of their own for the self-join (at 100 000 parcels: 0.05 s to copy,
-- 0.09 s to index, 0.9 s for the join's probes). Both features of a pair are flagged, each
-- naming the other.
CREATE TEMP TABLE upload_parcel_shape ON COMMIT DROP AS
SELECT f.idx, f.key, f.geom FROM upload_feature f
WHERE ${overlaps} AND f.upload_id = ${uploadId} AND f.area_m2 >= 0.01;
CREATE INDEX ON upload_parcel_shape USING gist (geom);

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT ${uploadId}, x.idx, ${lv.overlap_in_file}, 'overlap_in_file',
       format(${t.overlap_in_file}, x.other, coalesce(x.other_key, '无编号 / no code'), round(o.m2::numeric, 2)),
       jsonb_build_object('feature', x.other, 'key', x.other_key, 'overlap_m2', o.m2)
FROM (
  SELECT a.idx AS ia, a.key AS ka, b.idx AS ib, b.key AS kb,
         ellipsoidal_area_m2(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3)) AS m2
  FROM upload_parcel_shape a JOIN upload_parcel_shape b
    ON a.idx < b.idx AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')
) o
CROSS JOIN LATERAL (VALUES (o.ia, o.ib, o.kb), (o.ib, o.ia, o.ka)) x(idx, other, other_key)
WHERE o.m2 > ${overlapM2}
