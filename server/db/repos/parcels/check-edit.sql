/* What PostGIS says about a parcel edit: the new geometry's problem (null when fine), the area the parcel would have, the county's tolerance for a stated area, and the county of the new cluster. */
WITH g AS (
  SELECT CASE WHEN ${geometry}::text IS NULL THEN NULL
              ELSE ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(${geometry}::text), 4490)) END AS geom
)
SELECT
  CASE WHEN g.geom IS NULL THEN NULL
       WHEN ST_IsEmpty(g.geom) THEN 'empty'
       WHEN NOT ST_IsValid(g.geom) THEN 'invalid: ' || ST_IsValidReason(g.geom)
       -- the city's extent (migration 832); projected metres typed as degrees land far outside
       WHEN NOT ST_CoveredBy(g.geom, city_extent()) THEN 'outside'
  END AS geometry_problem,
  ellipsoidal_area_m2(coalesce(g.geom, p.geom)) AS area_m2,
  coalesce((
    SELECT CASE WHEN jsonb_typeof(r.value) = 'number' THEN (r.value #>> '{}')::float8 END
      FROM county_rule r
     WHERE r.key = 'parcel.stated_area_tolerance'
       AND (r.county_code = p.county_code OR r.county_code IS NULL)
       AND r.effective_from <= luoyang_today()
     ORDER BY r.county_code NULLS LAST, r.effective_from DESC
     LIMIT 1), ${defaultTolerance}) AS tolerance,
  (SELECT c.county_code FROM cluster c WHERE c.code = ${clusterCode}) AS cluster_county
FROM parcel p, g
WHERE p.id = ${id}
