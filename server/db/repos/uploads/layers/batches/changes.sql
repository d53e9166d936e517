/* Nothing: what the commit would change on the live approval batch with each staged feature's number (upload_feature.changed_fields). */
UPDATE upload_feature f
SET changed_fields = upload_batch_changes(b, f.county_code, f.cluster_code, (f.values->>'approved_on')::date, f.values->>'name', f.geom)
FROM approval_batch b
WHERE f.upload_id = ${uploadId} AND b.approval_no = f.key
