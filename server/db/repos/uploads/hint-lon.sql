/* The mean longitude of the clusters in a scope (all when the scope is the whole city): where a
   6-digit Gauss-Kruger easting without a .prj most likely belongs. */
SELECT avg(ST_X(ST_Centroid(boundary)))::float8 AS lon
FROM cluster
WHERE ${scope}::text[] IS NULL OR county_code = ANY(${scope}::text[])
