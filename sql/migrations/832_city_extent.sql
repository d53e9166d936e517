/* The city's extent, in one place: what edits (a parcel or batch drawn outside is refused) and
   uploads (which order a coordinate file's columns are in, which zone its eastings belong to) test
   shapes and places against. Luoyang lies within 111°08′–112°59′E, 33°35′–35°05′N; the box keeps
   a margin. Created only when no earlier migration made it: the county boundaries, where they are
   loaded, define it as their extent instead. */
DO $$
BEGIN
  IF to_regprocedure('city_extent()') IS NULL THEN
    CREATE FUNCTION city_extent() RETURNS geometry
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT ST_MakeEnvelope(110.8, 33.4, 113.2, 35.3, 4490)';
    COMMENT ON FUNCTION city_extent() IS 'the extent of Luoyang (EPSG:4490) that edits and uploads test places against';
  END IF;
END $$;
