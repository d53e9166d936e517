/* The event log of parcel (一地一档) keeps the old and the new shape as PostGIS geometry, in
   event_log.old_geom and new_geom, instead of as GeoJSON inside old_value and new_value. Writing
   each shape as GeoJSON text (9 decimals) was about two thirds of the statement trigger's time in a
   bulk commit of 100 000 parcels; storing the geometry is a copy of its bytes, and it is smaller.

   What a reader sees does not change: event_value(value, geom) gives the value as it was logged
   before, the GeoJSON under 'geom' (the same ST_AsGeoJSON(geom, 9) the trigger wrote; jsonb keeps its
   keys in one order, so the value is equal to the old one). Entries logged before this migration,
   and those of the other tables (log_row_change), keep their GeoJSON in the value and have no
   geometry column: event_value gives them back unchanged. The readers: the file of a parcel
   (server/db/repos/parcels/history.sql) and the tile cache's invalidation
   (server/tiles/changed-bboxes.sql), which reads the columns' boxes without parsing GeoJSON. */

ALTER TABLE event_log ADD COLUMN old_geom geometry, ADD COLUMN new_geom geometry;
COMMENT ON COLUMN event_log.old_geom IS 'the old shape of a logged parcel (else null: the value holds its GeoJSON, if any); see event_value()';
COMMENT ON COLUMN event_log.new_geom IS 'the new shape of a logged parcel (else null: the value holds its GeoJSON, if any); see event_value()';

CREATE FUNCTION event_value(value jsonb, geom geometry) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN geom IS NULL THEN value ELSE value || jsonb_build_object('geom', ST_AsGeoJSON(geom, 9)::jsonb) END
$$;
COMMENT ON FUNCTION event_value(jsonb, geometry) IS
  'an event-log value as logged: old_value/new_value with the shape of old_geom/new_geom under geom, as GeoJSON';

CREATE OR REPLACE FUNCTION log_parcel_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_actor text := current_actor();
  v_note text := nullif(current_setting('onemap.note', true), '');
  -- The row as to_jsonb(row) gives it without the geometry, built by jsonb_build_object from the
  -- columns (to_jsonb of the whole row looks each type's conversion up row by row, 2.5 times
  -- slower at 100 000 rows). The columns come from the catalogue, so that a column added to
  -- parcel is logged without touching this (up to 50, jsonb_build_object's limit of 100
  -- arguments; parcel has 15). The geometry goes to old_geom/new_geom as it is.
  cols text;
BEGIN
  SELECT 'jsonb_build_object(' || string_agg(format('%L, %%1$s.%I', a.attname, a.attname), ', ' ORDER BY a.attnum) || ')'
    INTO cols
    FROM pg_attribute a
   WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'geom';
  -- Inserted and deleted rows are logged in the order the statement wrote them (a transition table
  -- keeps it), as the row trigger did; updated ones, paired by id, in the order of their ids.
  IF TG_OP = 'INSERT' THEN
    EXECUTE format($q$
      INSERT INTO event_log (actor, entity, entity_id, parcel_id, county_code, action, old_value, new_value, new_geom, note)
      SELECT $1, 'parcel', n.id::text, n.id, n.county_code, 'insert', NULL, %s, n.geom, $2
      FROM new_rows n$q$, format(cols, 'n'))
    USING v_actor, v_note;
  ELSIF TG_OP = 'UPDATE' THEN
    -- an UPDATE that changes nothing is not logged (the geometry compared as its EWKB)
    EXECUTE format($q$
      INSERT INTO event_log (actor, entity, entity_id, parcel_id, county_code, action, old_value, new_value, old_geom, new_geom, note)
      SELECT $1, 'parcel', n.id::text, n.id, n.county_code, 'update', oj, nj, o.geom, n.geom, $2
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      CROSS JOIN LATERAL (SELECT %s AS oj, %s AS nj) l
      WHERE oj <> nj OR ST_AsEWKB(o.geom) <> ST_AsEWKB(n.geom)
      ORDER BY n.id$q$, format(cols, 'o'), format(cols, 'n'))
    USING v_actor, v_note;
  ELSE
    EXECUTE format($q$
      INSERT INTO event_log (actor, entity, entity_id, parcel_id, county_code, action, old_value, new_value, old_geom, note)
      SELECT $1, 'parcel', o.id::text, o.id, o.county_code, 'delete', %s, NULL, o.geom, $2
      FROM old_rows o$q$, format(cols, 'o'))
    USING v_actor, v_note;
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION log_parcel_statement() IS
  'event log of parcel, one statement at a time from its transition tables: the rows log_row_change writes, set-based, the shapes in old_geom/new_geom';
