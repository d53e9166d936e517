/* {inserted, updated, unchanged}: writes the accepted staged remote-sensing change polygons
   (遥感变化图斑), keyed by monitoring period and code; an existing one only where
   upload_rs_change_changes (migration 831) finds a change, keeping a stored shape within 1 cm of
   the new one. */
WITH src AS (
  SELECT f.key AS code, f.values->>'period' AS period, f.values->>'change_type' AS change_type,
         (f.values->>'image_before')::date AS image_before, (f.values->>'image_after')::date AS image_after,
         f.county_code, f.geom
  FROM upload_feature f
  WHERE f.upload_id = ${uploadId}
    AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
), written AS (
  INSERT INTO rs_change AS r (code, period, change_type, image_before, image_after, county_code, geom)
  SELECT code, period, change_type, image_before, image_after, county_code, geom FROM src
  ON CONFLICT (period, code) DO UPDATE SET
    change_type = EXCLUDED.change_type, image_before = EXCLUDED.image_before, image_after = EXCLUDED.image_after,
    county_code = coalesce(EXCLUDED.county_code, r.county_code),
    geom = CASE WHEN same_shape(r.geom, EXCLUDED.geom) THEN r.geom ELSE EXCLUDED.geom END
  WHERE cardinality(upload_rs_change_changes(r, EXCLUDED.change_type, EXCLUDED.image_before, EXCLUDED.image_after,
                                             EXCLUDED.county_code, EXCLUDED.geom)) > 0
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated,
       ((SELECT count(*) FROM src) - count(*))::int AS unchanged
FROM written
