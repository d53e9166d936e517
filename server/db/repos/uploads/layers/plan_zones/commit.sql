/* {inserted, updated, unchanged}: adds the accepted staged plan zones (规划分区). Zones carry no
   key in the plan files, so each upload adds its zones; replacing a plan is a discard-and-redraw
   the planning office does through the zone editor, not an upload. */
WITH written AS (
  INSERT INTO plan_zone (cluster_code, county_code, zone_type, name, geom)
  SELECT f.cluster_code, f.county_code, f.values->>'zone_type', f.values->>'name', f.geom
  FROM upload_feature f
  WHERE f.upload_id = ${uploadId} AND f.cluster_code IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
  RETURNING 1
)
SELECT count(*)::int AS inserted, 0 AS updated, 0 AS unchanged FROM written
