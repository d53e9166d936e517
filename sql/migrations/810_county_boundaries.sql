/* County boundaries (区县界) and the city's extent, as reference data (DOMAIN.md §Places and
   "County of a parcel"). Loaded at start from a GeoJSON file by server/db/reference.ts
   (fixtures/luoyang-counties.geojson unless ONEMAP_COUNTY_BOUNDARIES names another) and replaced
   whole when that file changes. No foreign key to `county`: the outlines are geography, the
   county rows are the land model's, loaded with the clusters. */

CREATE TABLE county_boundary (
  code     char(6) PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
  name     text NOT NULL,
  geom     geometry(MultiPolygon, 4490) NOT NULL CHECK (ST_IsValid(geom)),
  area_m2  double precision GENERATED ALWAYS AS (ellipsoidal_area_m2(geom)) STORED
);
CREATE INDEX county_boundary_geom_gix ON county_boundary USING gist (geom);
COMMENT ON TABLE county_boundary IS 'outline of each county-level division (GB/T 2260 code), EPSG:4490, from the boundary file';

/* One row: the union of the county outlines widened by the precision the boundary file states, so
   a shape on the city's edge is not refused for the outline's own error. Uploads and edits both
   test against it (jurisdiction: a feature outside it is refused). */
CREATE TABLE city_extent (
  id           boolean PRIMARY KEY DEFAULT true CHECK (id),
  geom         geometry(MultiPolygon, 4490) NOT NULL CHECK (ST_IsValid(geom)),
  precision_m  double precision NOT NULL CHECK (precision_m >= 0),
  source       text NOT NULL,
  file_sha256  char(64) NOT NULL,
  loaded_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE city_extent IS 'the jurisdiction: union of county_boundary widened by precision_m, with the file it came from';

/* The same outlines cut into pieces of at most 128 vertices (ST_Subdivide): a county of 4 000
   vertices is a TOASTed value that every per-feature test would decompress again (1 ms a
   feature); the pieces are small, indexed, and answer the same questions. */
CREATE TABLE county_boundary_part (
  code  char(6) NOT NULL REFERENCES county_boundary ON DELETE CASCADE,
  geom  geometry(Polygon, 4490) NOT NULL
);
CREATE INDEX county_boundary_part_gix ON county_boundary_part USING gist (geom);
CREATE TABLE city_extent_part (
  geom  geometry(Polygon, 4490) NOT NULL
);
CREATE INDEX city_extent_part_gix ON city_extent_part USING gist (geom);

CREATE FUNCTION city_extent() RETURNS geometry LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE g geometry;
BEGIN
  SELECT e.geom INTO g FROM city_extent e;
  IF g IS NULL THEN
    RAISE EXCEPTION 'no county boundaries are loaded (server/db/reference.ts loads them at start)';
  END IF;
  RETURN g;
END $$;
COMMENT ON FUNCTION city_extent() IS 'the city''s extent (EPSG:4490 MultiPolygon) that every stored shape must lie in; raises when none is loaded';

/* The county of a staged feature and why (DOMAIN.md "County of a parcel"): the file's county column,
   else the county boundary holding the shape (largest share), else the 6-digit prefix of its code
   (GB/T 2260); contracts take their parcel's, cluster outlines their cluster's. location_county is
   where the shape lies whatever the file says, to warn when the two disagree. */
ALTER TABLE upload_feature
  ADD COLUMN county_source text CHECK (county_source IN ('column', 'boundary', 'code_prefix', 'parcel', 'cluster')),
  ADD COLUMN location_county char(6);
