/* What PostGIS says about a batch edit: the new geometry's problem (null when fine; sql/functions/land-2-edit.sql), the county of the new cluster, and today's date in Luoyang. */
WITH g AS (SELECT edited_geometry(${geometry}::text) AS geom)
SELECT
  edited_geometry_problem(g.geom) AS geometry_problem,
  (SELECT c.county_code FROM cluster c WHERE c.code = ${clusterCode}) AS cluster_county,
  luoyang_today() AS today
FROM g
