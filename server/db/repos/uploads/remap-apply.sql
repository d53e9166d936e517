/* Nothing: the staged features take the values, key, county and issues of the new mapping
   (upload_remap, filled by the caller); the previous checks' issues go, for the checks to run
   again. The cluster a feature lies in is its shape's and stays, except on the cluster layer,
   where the checks find it by the (new) name; the county is decided again as in stage-insert.sql:
   the (new) county column, else where the shape lies, else the prefix of the (new) code. */
UPDATE upload_feature f
SET values = r.values, key = r.key, issues = r.issues,
    cluster_code = CASE WHEN ${clusterFromShape} THEN f.cluster_code END,
    county_code = coalesce(r.county_code, CASE WHEN ${countyFromShape} THEN f.location_county END, px.code),
    county_source = CASE WHEN r.county_code IS NOT NULL THEN 'column' WHEN ${countyFromShape} AND f.location_county IS NOT NULL THEN 'boundary'
                         WHEN px.code IS NOT NULL THEN 'code_prefix' END
FROM upload_remap r
LEFT JOIN LATERAL (
  SELECT b.code FROM county_boundary b
  WHERE ${countyFromKeyPrefix} AND r.key ~ '^[0-9]{6}' AND b.code = left(r.key, 6)
) px ON true
WHERE f.upload_id = ${id}::uuid AND f.idx = r.idx;

DELETE FROM upload_issue WHERE upload_id = ${id}::uuid
