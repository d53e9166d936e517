/* {inserted, updated, unchanged}: writes the accepted staged parcels. An existing code is updated
   only where upload_parcel_changes (migration 831) finds a change: the same shape within 1 cm and
   equal values leave the row, its version and its file (event log) alone, and a shape within 1 cm
   of the stored one keeps the stored one. A column the file does not carry keeps its stored value;
   an updated row's old values go to the event log through the trigger. Only the features with
   from <= idx < to: a chunked commit writes one slice per chunk (migration 1080). */
WITH src AS (
  SELECT f.key AS code, f.county_code, f.cluster_code,
         f.values->>'land_use' AS land_use,
         nullif((f.values->>'stated_area_m2')::float8, 0) AS stated_area_m2,
         f.values->>'owner_name' AS owner_name,
         f.geom
  FROM upload_feature f
  WHERE f.upload_id = ${uploadId} AND f.idx >= ${from} AND f.idx < ${to}
    AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
), written AS (
  INSERT INTO parcel AS p (code, county_code, cluster_code, land_use, stated_area_m2, owner_name, geom)
  SELECT code, county_code, cluster_code, land_use, stated_area_m2, owner_name, geom FROM src
  ON CONFLICT (code) DO UPDATE SET
    county_code = EXCLUDED.county_code,
    cluster_code = EXCLUDED.cluster_code,
    land_use = coalesce(EXCLUDED.land_use, p.land_use),
    stated_area_m2 = CASE WHEN same_area(EXCLUDED.stated_area_m2, p.stated_area_m2) THEN p.stated_area_m2
                          ELSE coalesce(EXCLUDED.stated_area_m2, p.stated_area_m2) END,
    owner_name = coalesce(EXCLUDED.owner_name, p.owner_name),
    geom = CASE WHEN same_shape(p.geom, EXCLUDED.geom) THEN p.geom ELSE EXCLUDED.geom END,
    version = p.version + 1,
    updated_at = now()
  WHERE cardinality(upload_parcel_changes(p, EXCLUDED.county_code, EXCLUDED.cluster_code, EXCLUDED.land_use,
                                          EXCLUDED.stated_area_m2, EXCLUDED.owner_name, EXCLUDED.geom)) > 0
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated,
       ((SELECT count(*) FROM src) - count(*))::int AS unchanged
FROM written
