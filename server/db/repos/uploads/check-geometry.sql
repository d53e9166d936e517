/* Nothing: flags geometries that were repaired (with the ST_IsValidReason) and rejects those left
   empty or without area. Below 0.01 m² (one square decimetre) a shape is no parcel. */
INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.geometry_repaired}, 'geometry_repaired', format(${t.geometry_repaired}, f.valid_reason),
       jsonb_build_object('reason', f.valid_reason)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.valid_reason IS NOT NULL AND f.area_m2 >= 0.01;

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.geometry_empty}, 'geometry_empty', ${t.geometry_empty},
       jsonb_build_object('reason', f.valid_reason, 'area_m2', f.area_m2)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.src_geom IS NOT NULL AND (f.geom IS NULL OR f.area_m2 IS NULL OR f.area_m2 < 0.01)
