/* {inserted, updated, unchanged}: writes the accepted staged approval batches (批次), keyed by 批准文号. */
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
    geom = EXCLUDED.geom,
    version = b.version + 1
  WHERE (b.county_code, b.cluster_code, b.approved_on) IS DISTINCT FROM (EXCLUDED.county_code, EXCLUDED.cluster_code, EXCLUDED.approved_on)
     OR (EXCLUDED.name IS NOT NULL AND EXCLUDED.name IS DISTINCT FROM b.name)
     OR NOT ST_OrderingEquals(b.geom, EXCLUDED.geom)
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated,
       ((SELECT count(*) FROM src) - count(*))::int AS unchanged
FROM written
