/* What PostGIS says about a parcel edit: the new geometry's problem (null when fine; sql/functions/land-2-edit.sql), the area the parcel would have, the county's tolerance for a stated area, and the county of the new cluster. */
WITH g AS (SELECT edited_geometry(${geometry}::text) AS geom)
SELECT
  edited_geometry_problem(g.geom) AS geometry_problem,
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
