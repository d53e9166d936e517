-- pg_restore runs with an empty search_path, and computes the generated area columns while it loads
-- the rows: the area function's body names PostGIS objects with their schema, so that a dump
-- restores (found by the backup tests: "type geography does not exist"). Still one SQL expression,
-- so the planner inlines it as before.
CREATE OR REPLACE FUNCTION ellipsoidal_area_m2(g geometry) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT public.ST_Area(public.ST_SetSRID(g, 4326)::public.geography, true) $$;
