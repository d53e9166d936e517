/* {inserted, updated, unchanged}: writes the accepted staged approval batches (批次), keyed by 批准文号;
   an existing one only where upload_batch_changes (migration 831) finds a change, keeping a stored
   shape within 1 cm of the new one. */
WITH src AS (
  SELECT f.key AS approval_no, f.values->>'name' AS name, f.county_code, f.cluster_code,
         (f.values->>'approved_on')::date AS approved_on, f.geom
  FROM upload_feature f
  WHERE f.upload_id = ${uploadId}
    AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
), written AS (
  INSERT INTO approval_batch AS b (approval_no, name, county_code, cluster_code, approved_on, geom)
  SELECT approval_no, name, county_code, cluster_code, approved_on, geom FROM src
  ON CONFLICT (approval_no) DO UPDATE SET
    name = coalesce(EXCLUDED.name, b.name),
    county_code = EXCLUDED.county_code,
    cluster_code = EXCLUDED.cluster_code,
    approved_on = EXCLUDED.approved_on,
    geom = CASE WHEN same_shape(b.geom, EXCLUDED.geom) THEN b.geom ELSE EXCLUDED.geom END,
    version = b.version + 1
  WHERE cardinality(upload_batch_changes(b, EXCLUDED.county_code, EXCLUDED.cluster_code, EXCLUDED.approved_on,
                                         EXCLUDED.name, EXCLUDED.geom)) > 0
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated,
       ((SELECT count(*) FROM src) - count(*))::int AS unchanged
FROM written
