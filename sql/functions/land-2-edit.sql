/* The shape an edit of a parcel or a batch sends, and what is wrong with it: one check for both
   (the uploads check their shapes in their own staging, check-jurisdiction.sql). */

CREATE OR REPLACE FUNCTION edited_geometry(geojson text) RETURNS public.geometry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN geojson IS NULL THEN NULL
              ELSE public.ST_Force2D(public.ST_SetSRID(public.ST_GeomFromGeoJSON(geojson), 4490)) END
$$;
COMMENT ON FUNCTION edited_geometry(text) IS 'the GeoJSON geometry of an edit as a 2D EPSG:4490 geometry; null when none was sent';

CREATE OR REPLACE FUNCTION edited_geometry_problem(g public.geometry) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN g IS NULL THEN NULL
              WHEN public.ST_IsEmpty(g) THEN 'empty'
              WHEN NOT public.ST_IsValid(g) THEN 'invalid: ' || public.ST_IsValidReason(g)
              -- the city's extent, as for uploads; projected metres typed as degrees land far outside
              WHEN NOT public.ST_CoveredBy(g, public.city_extent()) THEN 'outside'
         END
$$;
COMMENT ON FUNCTION edited_geometry_problem(geometry) IS 'what is wrong with an edited shape: empty, invalid: <reason>, outside (the city), or null when it is fine';
