/* {inserted, updated, unchanged}: writes the accepted staged parcels. An existing code is updated
   only where something differs (its old row goes to the event log through the trigger); a column
   the file does not carry keeps its stored value. */
WITH src AS (
  SELECT f.key AS code, f.county_code, f.cluster_code,
         f.values->>'land_use' AS land_use,
         nullif((f.values->>'stated_area_m2')::float8, 0) AS stated_area_m2,
         f.values->>'owner_name' AS owner_name,
         f.geom
  FROM upload_feature f
  WHERE f.upload_id = ${uploadId}
    AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
), written AS (
  INSERT INTO parcel AS p (code, county_code, cluster_code, land_use, stated_area_m2, owner_name, geom)
  SELECT code, county_code, cluster_code, land_use, stated_area_m2, owner_name, geom FROM src
  ON CONFLICT (code) DO UPDATE SET
    county_code = EXCLUDED.county_code,
    cluster_code = EXCLUDED.cluster_code,
    land_use = coalesce(EXCLUDED.land_use, p.land_use),
    stated_area_m2 = coalesce(EXCLUDED.stated_area_m2, p.stated_area_m2),
    owner_name = coalesce(EXCLUDED.owner_name, p.owner_name),
    geom = EXCLUDED.geom,
    version = p.version + 1,
    updated_at = now()
  WHERE (p.county_code, p.cluster_code) IS DISTINCT FROM (EXCLUDED.county_code, EXCLUDED.cluster_code)
     OR (EXCLUDED.land_use IS NOT NULL AND EXCLUDED.land_use IS DISTINCT FROM p.land_use)
     OR (EXCLUDED.stated_area_m2 IS NOT NULL AND EXCLUDED.stated_area_m2 IS DISTINCT FROM p.stated_area_m2)
     OR (EXCLUDED.owner_name IS NOT NULL AND EXCLUDED.owner_name IS DISTINCT FROM p.owner_name)
     OR NOT ST_OrderingEquals(p.geom, EXCLUDED.geom)
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated,
       ((SELECT count(*) FROM src) - count(*))::int AS unchanged
FROM written
