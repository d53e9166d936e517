/* Nothing: the staged features take the values, key, county and issues of the new mapping
   (upload_remap, filled by the caller); the previous checks' issues go, for the checks to run
   again. The cluster a feature lies in is its shape's and stays, except on the cluster layer,
   where the checks find it by the (new) name; the county comes from the file, else that cluster. */
UPDATE upload_feature f
SET values = r.values, key = r.key, issues = r.issues,
    cluster_code = CASE WHEN ${layer} = 'clusters' THEN NULL ELSE f.cluster_code END,
    county_code = coalesce(r.county_code,
                           CASE WHEN ${layer} <> 'clusters' THEN (SELECT k.county_code FROM cluster k WHERE k.code = f.cluster_code) END)
FROM upload_remap r
WHERE f.upload_id = ${id}::uuid AND f.idx = r.idx;

DELETE FROM upload_issue WHERE upload_id = ${id}::uuid
