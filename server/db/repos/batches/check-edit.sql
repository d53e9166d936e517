/* What PostGIS says about a batch edit: the new geometry's problem (null when fine), the county of the new cluster, and today's date in Luoyang. */
WITH g AS (
  SELECT CASE WHEN ${geometry}::text IS NULL THEN NULL
              ELSE ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(${geometry}::text), 4490)) END AS geom
)
SELECT
  CASE WHEN g.geom IS NULL THEN NULL
       WHEN ST_IsEmpty(g.geom) THEN 'empty'
       WHEN NOT ST_IsValid(g.geom) THEN 'invalid: ' || ST_IsValidReason(g.geom)
       WHEN NOT ST_CoveredBy(g.geom, city_extent()) THEN 'outside'
  END AS geometry_problem,
  (SELECT c.county_code FROM cluster c WHERE c.code = ${clusterCode}) AS cluster_county,
  luoyang_today() AS today
FROM g
