/* Nothing: every feature needs a county of Luoyang (from the file, the cluster it lies in, or its
   parcel) inside the uploader's scope; an existing record with the same key outside the scope may
   not be overwritten (brief: county staff edit their own counties only). Change polygons may
   lack a county, except for a county-scoped uploader. */
INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.county_unknown}, 'county_unknown', ${t.county_unknown}
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.county_code IS NULL AND f.geom IS NOT NULL AND NOT ST_IsEmpty(f.geom)
  AND (${layer} IN ('parcels','batches','plan_zones') OR (${layer} = 'changes' AND ${scope}::text[] IS NOT NULL));

INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.county_not_found}, 'county_not_found', format(${t.county_not_found}, f.county_code)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.county_code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM county c WHERE c.code = f.county_code);

INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.out_of_scope}, 'out_of_scope', format(${t.out_of_scope}, f.county_code)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND ${scope}::text[] IS NOT NULL AND f.county_code IS NOT NULL
  AND NOT (f.county_code = ANY(${scope}::text[]));

INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.code_taken}, 'code_taken', format(${t.code_taken}, f.key)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND ${scope}::text[] IS NOT NULL AND f.key IS NOT NULL
  AND CASE ${layer}
        WHEN 'parcels' THEN EXISTS (SELECT 1 FROM parcel p WHERE p.code = f.key AND NOT (p.county_code = ANY(${scope}::text[])))
        WHEN 'batches' THEN EXISTS (SELECT 1 FROM approval_batch b WHERE b.approval_no = f.key AND NOT (b.county_code = ANY(${scope}::text[])))
        WHEN 'contracts' THEN EXISTS (SELECT 1 FROM supply_contract c WHERE c.contract_no = f.key AND NOT (c.county_code = ANY(${scope}::text[])))
        WHEN 'changes' THEN EXISTS (SELECT 1 FROM rs_change r WHERE r.code = f.key AND r.period = f.values->>'period'
                                      AND (r.county_code IS NULL OR NOT (r.county_code = ANY(${scope}::text[]))))
        ELSE false
      END
