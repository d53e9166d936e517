/* Nothing: what the commit would change on the live change polygon with each staged feature's period and code (upload_feature.changed_fields). */
UPDATE upload_feature f
SET changed_fields = upload_rs_change_changes(r, f.values->>'change_type', (f.values->>'image_before')::date,
                                              (f.values->>'image_after')::date, f.county_code, f.geom)
FROM rs_change r
WHERE f.upload_id = ${uploadId} AND r.code = f.key AND r.period = f.values->>'period'
