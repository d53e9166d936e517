/* Nothing: a cluster outline must name a cluster that exists (by code, else by name), whose county it takes. */
UPDATE upload_feature f SET cluster_code = k.code, county_code = k.county_code, county_source = 'cluster'
FROM cluster k
WHERE f.upload_id = ${uploadId}
  AND (k.code = f.values->>'code' OR (f.values->>'code' IS NULL AND f.values->>'name' IN (k.name, k.short_name)));

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.cluster_not_found}, 'cluster_not_found', format(${t.cluster_not_found}, f.key),
       jsonb_build_object('cluster', f.key)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.cluster_code IS NULL AND f.key IS NOT NULL
