/* Nothing: contracts take their county and cluster from the parcel they name (DOMAIN.md "County of
   a parcel"); a parcel or a land user that does not exist is an error. */
UPDATE upload_feature f SET county_code = p.county_code, county_source = 'parcel', cluster_code = p.cluster_code
FROM parcel p
WHERE f.upload_id = ${uploadId} AND p.code = f.values->>'parcel_code'
  AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]));

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.parcel_not_found}, 'parcel_not_found', format(${t.parcel_not_found}, f.values->>'parcel_code'),
       jsonb_build_object('parcel_code', f.values->>'parcel_code')
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.values->>'parcel_code' IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM parcel p WHERE p.code = f.values->>'parcel_code'
                  AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[])));

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.enterprise_not_found}, 'enterprise_not_found', format(${t.enterprise_not_found}, f.values->>'land_user_code'),
       jsonb_build_object('land_user_code', f.values->>'land_user_code')
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.values->>'land_user_code' IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM enterprise e WHERE e.credit_code = upper(f.values->>'land_user_code'))
