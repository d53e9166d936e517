/* The ids of the change polygons an upload wrote (its staged features, by period and code). */
SELECT coalesce(array_agg(r.id ORDER BY r.id), '{}') AS ids
  FROM upload_feature f JOIN rs_change r ON r.period = f.values ->> 'period' AND r.code = f.key
 WHERE f.upload_id = ${uploadId}::uuid
