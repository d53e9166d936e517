/* The city's extent (city_extent(), migration 832) as west, south, east, north in degrees. */
SELECT ST_XMin(e)::float8 AS west, ST_YMin(e)::float8 AS south, ST_XMax(e)::float8 AS east, ST_YMax(e)::float8 AS north
FROM (SELECT city_extent() AS e) x
