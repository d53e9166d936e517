/* Nothing: what the commit would change on the live parcel with each staged feature's code (upload_feature.changed_fields). */
UPDATE upload_feature f
SET changed_fields = upload_parcel_changes(p, f.county_code, f.cluster_code, f.values->>'land_use',
                                           nullif((f.values->>'stated_area_m2')::float8, 0), f.values->>'owner_name', f.geom)
FROM parcel p
WHERE f.upload_id = ${uploadId} AND p.code = f.key
