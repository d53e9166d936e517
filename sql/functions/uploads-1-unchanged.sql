/* Unchanged means unchanged (一地一档: the file records what changed, not what was sent again):
   a survey sent again comes back with its rings started elsewhere, turned the other way, and a few
   nanodegrees off; the same shape within 1 cm (ellipsoidal area within 0.01 m²) with equal mapped
   attributes is unchanged, and the commit leaves the row alone. The validation report and the
   commit decide with these functions. First written in migration 831; defined here, re-created
   at every start like the rules. */

-- Same shape: equal vertex for vertex, or within 1 cm everywhere (discrete Hausdorff distance both
-- ways, measured in metres in the CGCS2000 3-degree Gauss-Kruger zone of the shape, where the scale
-- error is below 1.5e-4, far under a centimetre over a parcel) with ellipsoidal areas within
-- 0.01 m². Ring start and orientation, and the order of the parts, do not count.
CREATE OR REPLACE FUNCTION same_shape(a geometry, b geometry) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN a IS NULL OR b IS NULL THEN a IS NULL AND b IS NULL
    WHEN ST_OrderingEquals(a, b) THEN true
    -- bounding boxes more than ~10 cm apart: not the same shape, without the costly part
    WHEN NOT (ST_Expand(a, 1e-6) ~ b AND ST_Expand(b, 1e-6) ~ a) THEN false
    ELSE abs(ellipsoidal_area_m2(a) - ellipsoidal_area_m2(b)) <= 0.01
         AND ST_HausdorffDistance(ST_Transform(a, z.srid), ST_Transform(b, z.srid)) <= 0.01
  END
  FROM (SELECT 4534 + least(20, greatest(0, round(((ST_XMin(a) + ST_XMax(a)) / 2 - 75) / 3)))::int AS srid) z
$$;
COMMENT ON FUNCTION same_shape(geometry, geometry) IS
  'two EPSG:4490 shapes are the same survey: within 1 cm everywhere and 0.01 m² in ellipsoidal area (ring start, orientation and part order ignored)';

-- Stated areas are the same when within 0.01 m² (亩 and 公顷 converted to m² differ in the last bits).
CREATE OR REPLACE FUNCTION same_area(a double precision, b double precision) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a IS NOT DISTINCT FROM b OR abs(a - b) <= 0.01 $$;

/* What an upload would change on a live row: the fields, named as in the upload's mapping
   ('geometry' for the shape). Empty: unchanged. A value the file does not carry (null) changes
   nothing: the commit keeps the stored one. One function per layer, used by the validation
   (server/db/repos/uploads/check-changes.sql) and by the commit alike. */
CREATE OR REPLACE FUNCTION upload_parcel_changes(p parcel, new_county text, new_cluster text, new_land_use text,
                                      new_stated_m2 double precision, new_owner text, new_geom geometry) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_remove(ARRAY[
    CASE WHEN p.county_code::text IS DISTINCT FROM new_county THEN 'county_code' END,
    CASE WHEN p.cluster_code IS DISTINCT FROM new_cluster THEN 'cluster_code' END,
    CASE WHEN new_land_use IS NOT NULL AND new_land_use IS DISTINCT FROM p.land_use THEN 'land_use' END,
    CASE WHEN new_stated_m2 IS NOT NULL AND NOT same_area(new_stated_m2, p.stated_area_m2) THEN 'stated_area_m2' END,
    CASE WHEN new_owner IS NOT NULL AND new_owner IS DISTINCT FROM p.owner_name THEN 'owner_name' END,
    CASE WHEN NOT same_shape(p.geom, new_geom) THEN 'geometry' END
  ], NULL)
$$;

CREATE OR REPLACE FUNCTION upload_batch_changes(b approval_batch, new_county text, new_cluster text, new_approved_on date,
                                     new_name text, new_geom geometry) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_remove(ARRAY[
    CASE WHEN b.county_code::text IS DISTINCT FROM new_county THEN 'county_code' END,
    CASE WHEN b.cluster_code IS DISTINCT FROM new_cluster THEN 'cluster_code' END,
    CASE WHEN b.approved_on IS DISTINCT FROM new_approved_on THEN 'approved_on' END,
    CASE WHEN new_name IS NOT NULL AND new_name IS DISTINCT FROM b.name THEN 'name' END,
    CASE WHEN NOT same_shape(b.geom, new_geom) THEN 'geometry' END
  ], NULL)
$$;

CREATE OR REPLACE FUNCTION upload_rs_change_changes(r rs_change, new_change_type text, new_image_before date, new_image_after date,
                                         new_county text, new_geom geometry) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_remove(ARRAY[
    CASE WHEN r.change_type IS DISTINCT FROM new_change_type THEN 'change_type' END,
    CASE WHEN r.image_before IS DISTINCT FROM new_image_before THEN 'image_before' END,
    CASE WHEN r.image_after IS DISTINCT FROM new_image_after THEN 'image_after' END,
    CASE WHEN new_county IS NOT NULL AND new_county IS DISTINCT FROM r.county_code::text THEN 'county_code' END,
    CASE WHEN NOT same_shape(r.geom, new_geom) THEN 'geometry' END
  ], NULL)
$$;

CREATE OR REPLACE FUNCTION upload_contract_changes(c supply_contract, new_parcel_id bigint, new_supply_method text, new_signed_on date,
                                        new_land_user_code text, new_price_wan numeric, new_agreed_start_on date,
                                        new_agreed_completion_on date) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_remove(ARRAY[
    CASE WHEN c.parcel_id IS DISTINCT FROM new_parcel_id THEN 'parcel_code' END,
    CASE WHEN c.supply_method IS DISTINCT FROM new_supply_method THEN 'supply_method' END,
    CASE WHEN c.signed_on IS DISTINCT FROM new_signed_on THEN 'signed_on' END,
    CASE WHEN new_land_user_code IS NOT NULL AND new_land_user_code IS DISTINCT FROM c.land_user_code::text THEN 'land_user_code' END,
    CASE WHEN new_price_wan IS NOT NULL AND new_price_wan IS DISTINCT FROM c.price_wan THEN 'price_wan' END,
    CASE WHEN new_agreed_start_on IS NOT NULL AND new_agreed_start_on IS DISTINCT FROM c.agreed_start_on THEN 'agreed_start_on' END,
    CASE WHEN new_agreed_completion_on IS NOT NULL AND new_agreed_completion_on IS DISTINCT FROM c.agreed_completion_on
         THEN 'agreed_completion_on' END
  ], NULL)
$$;
