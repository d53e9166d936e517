/* Bulk writes of parcels (issue 3 commits of 100 000 parcels and more), two changes:

   1. The event log of parcel (一地一档) is written once per statement from its transition tables,
      set-based, instead of once per row: the same rows log_row_change wrote (actor, entity,
      entity_id, parcel_id, county_code, action, old and new row with the geometry as GeoJSON,
      note; an UPDATE that changes nothing is not logged), a third of the time at 100 000 rows.

   2. A parcel write may leave its analysis refresh for right after its commit (issue 5 §8: "in
      the same transaction or right after it"): with `onemap.analysis = 'deferred'` set in its
      transaction, the freshness trigger queues the parcels it touched (with the shapes whose
      cover of batches and changes moved) in analysis.pending_parcel, in that same transaction,
      and analysis.process_pending() works the queue off in chunks afterwards. Nothing is lost
      when the process dies in between: the queue is committed with the parcels, and start-up
      works it off. While anything is queued, the readers compute live (analysis.materialised_for,
      sql/functions/analysis-7-findings.sql), so every answer stays the live computation's. */

-- 1. ------------------------------------------------------------------------------------------
DROP TRIGGER parcel_log ON parcel;

CREATE FUNCTION log_parcel_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_actor text := current_actor();
  v_note text := nullif(current_setting('onemap.note', true), '');
  -- The row as to_jsonb(row) gives it, with the geometry as GeoJSON, built by jsonb_build_object
  -- from the columns (the same conversion of each value): to_jsonb of the whole row looks the
  -- geometry type's conversion up row by row, 2.5 times slower at 100 000 rows. The columns come
  -- from the catalogue, so that a column added to parcel is logged without touching this (up to
  -- 50, jsonb_build_object's limit of 100 arguments; parcel has 15).
  cols text;
  row_json constant text := 'jsonb_build_object(%1$s, ''geom'', ST_AsGeoJSON(%2$s.geom, 9)::jsonb)';
BEGIN
  SELECT string_agg(format('%L, %%1$s.%I', a.attname, a.attname), ', ' ORDER BY a.attnum) INTO cols
    FROM pg_attribute a
   WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'geom';
  -- Inserted and deleted rows are logged in the order the statement wrote them (a transition table
  -- keeps it), as the row trigger did; updated ones, paired by id, in the order of their ids.
  IF TG_OP = 'INSERT' THEN
    EXECUTE format($q$
      INSERT INTO event_log (actor, entity, entity_id, parcel_id, county_code, action, old_value, new_value, note)
      SELECT $1, 'parcel', n.id::text, n.id, j ->> 'county_code', 'insert', NULL, j, $2
      FROM new_rows n CROSS JOIN LATERAL (SELECT %s AS j) l$q$, format(row_json, format(cols, 'n'), 'n'))
    USING v_actor, v_note;
  ELSIF TG_OP = 'UPDATE' THEN
    -- an UPDATE that changes nothing is not logged (the geometry compared as its EWKB)
    EXECUTE format($q$
      INSERT INTO event_log (actor, entity, entity_id, parcel_id, county_code, action, old_value, new_value, note)
      SELECT $1, 'parcel', n.id::text, n.id, nj ->> 'county_code', 'update', oj, nj, $2
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      CROSS JOIN LATERAL (SELECT %s AS oj, %s AS nj) l
      WHERE oj <> nj OR ST_AsEWKB(o.geom) <> ST_AsEWKB(n.geom)
      ORDER BY n.id$q$, format(row_json, format(cols, 'o'), 'o'), format(row_json, format(cols, 'n'), 'n'))
    USING v_actor, v_note;
  ELSE
    EXECUTE format($q$
      INSERT INTO event_log (actor, entity, entity_id, parcel_id, county_code, action, old_value, new_value, note)
      SELECT $1, 'parcel', o.id::text, o.id, j ->> 'county_code', 'delete', j, NULL, $2
      FROM old_rows o CROSS JOIN LATERAL (SELECT %s AS j) l$q$, format(row_json, format(cols, 'o'), 'o'))
    USING v_actor, v_note;
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION log_parcel_statement() IS
  'event log of parcel, one statement at a time from its transition tables: the rows log_row_change writes, set-based';

CREATE TRIGGER parcel_log_insert AFTER INSERT ON parcel REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_parcel_statement();
CREATE TRIGGER parcel_log_update AFTER UPDATE ON parcel REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_parcel_statement();
CREATE TRIGGER parcel_log_delete AFTER DELETE ON parcel REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_parcel_statement();

-- 2. ------------------------------------------------------------------------------------------
-- Large key sets are planned for their own values. After five calls PostgreSQL may switch a
-- plpgsql statement to its generic plan, in which `id = ANY($2)` cannot be estimated and is
-- tested row by row against the whole array: refreshing 20 000 parcels of 300 000 went from
-- 1.1 s to 38 s at the sixth call. The single-parcel refresh of an edit keeps its cached plan
-- (planning the rules costs ~30 ms).
CREATE OR REPLACE FUNCTION analysis.touch(parcel_ids bigint[], batch_ids bigint[], change_ids bigint[]) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  p bigint[] := ARRAY(SELECT DISTINCT x FROM unnest(parcel_ids) x WHERE x IS NOT NULL);
  b bigint[] := ARRAY(SELECT DISTINCT x FROM unnest(batch_ids) x WHERE x IS NOT NULL);
  c bigint[] := ARRAY(SELECT DISTINCT x FROM unnest(change_ids) x WHERE x IS NOT NULL);
  mode text := current_setting('plan_cache_mode');
  large boolean := greatest(cardinality(p), cardinality(b), cardinality(c)) > 50;
BEGIN
  IF large THEN PERFORM set_config('plan_cache_mode', 'force_custom_plan', true); END IF;
  PERFORM analysis.refresh_parcels(p);
  PERFORM analysis.refresh_batches(b);
  PERFORM analysis.refresh_changes(c);
  IF large THEN PERFORM set_config('plan_cache_mode', mode, true); END IF;
END $$;
COMMENT ON FUNCTION analysis.touch(bigint[], bigint[], bigint[]) IS
  'refreshes the materialised results of the given parcels, batches and changes (large sets with plans of their own)';

-- What a deferred parcel write left to refresh: the parcel, and a shape (old or new) whose cover
-- of batches and changes moved; either may be null.
CREATE TABLE analysis.pending_parcel (
  seq        bigserial PRIMARY KEY,
  parcel_id  bigint,
  geom       geometry,
  queued_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_parcel_parcel_idx ON analysis.pending_parcel (parcel_id);
COMMENT ON TABLE analysis.pending_parcel IS
  'parcels (and shapes) a bulk write left for the analysis to refresh right after its commit; worked off by analysis.process_pending()';

CREATE OR REPLACE FUNCTION analysis.on_parcel_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  geoms geometry[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
  IF current_setting('onemap.analysis', true) = 'deferred' THEN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO analysis.pending_parcel (parcel_id, geom) SELECT id, geom FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
      INSERT INTO analysis.pending_parcel (parcel_id, geom) SELECT id, geom FROM old_rows;
    ELSE
      INSERT INTO analysis.pending_parcel (parcel_id, geom)
      SELECT n.id, NULL FROM new_rows n
      UNION ALL
      SELECT NULL, g FROM (
        SELECT unnest(ARRAY[o.geom, n.geom]) AS g FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE o.geom IS DISTINCT FROM n.geom OR o.retired_at IS DISTINCT FROM n.retired_at) s;
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id), array_agg(geom) INTO ids, geoms FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(id), array_agg(geom) INTO ids, geoms FROM old_rows;
  ELSE
    SELECT array_agg(n.id) INTO ids FROM new_rows n;
    -- Only a new shape or retirement changes what the parcel covers in batches and changes.
    SELECT array_agg(g) INTO geoms FROM (
      SELECT unnest(ARRAY[o.geom, n.geom]) AS g FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE o.geom IS DISTINCT FROM n.geom OR o.retired_at IS DISTINCT FROM n.retired_at) s;
  END IF;
  PERFORM analysis.touch_parcel_cover(ids, coalesce(geoms, '{}'));
  RETURN NULL;
END $$;
COMMENT ON FUNCTION analysis.on_parcel_change() IS
  'freshness trigger on parcel: refreshes the parcels, and the batches and changes their old or new shapes meet; with onemap.analysis = deferred, queues them in analysis.pending_parcel instead';

-- Works off up to max_rows queued rows in this transaction; returns how many it took (0: none left).
CREATE FUNCTION analysis.process_pending(max_rows integer DEFAULT 20000) RETURNS integer
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  ids bigint[];
  geoms geometry[];
  n integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.pending_parcel) THEN RETURN 0; END IF;
  -- the lock of a large refresh: one processor at a time, and no refresh_all meanwhile
  PERFORM pg_advisory_xact_lock(4103300, 0);
  WITH picked AS (
    DELETE FROM analysis.pending_parcel
     WHERE seq IN (SELECT seq FROM analysis.pending_parcel ORDER BY seq LIMIT max_rows)
    RETURNING parcel_id, geom
  )
  SELECT array_agg(DISTINCT parcel_id) FILTER (WHERE parcel_id IS NOT NULL),
         array_agg(geom) FILTER (WHERE geom IS NOT NULL), count(*)
    INTO ids, geoms, n
    FROM picked;
  IF n > 0 THEN
    PERFORM analysis.touch_parcel_cover(coalesce(ids, '{}'), coalesce(geoms, '{}'));
  END IF;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.process_pending(integer) IS
  'refreshes what deferred parcel writes queued in analysis.pending_parcel, up to max_rows queued rows per call; returns how many were taken';

-- A full recompute covers whatever was queued before it: the queue is emptied first, so that a
-- write committing during the recompute keeps its rows queued (and is refreshed once more).
CREATE OR REPLACE FUNCTION analysis.refresh_all(as_of date DEFAULT current_date) RETURNS jsonb
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  np integer; nb integer; nc integer;
  ms integer;
BEGIN
  PERFORM pg_advisory_xact_lock(4103300, 0);
  DELETE FROM analysis.pending_parcel;
  TRUNCATE analysis.parcel_status, analysis.unsupplied_remainder, analysis.unsupplied_use;
  INSERT INTO analysis.parcel_status
    (parcel_id, rule, classification, county_code, cluster_code, inefficient_type, stage, suspended, area_m2, reason)
  SELECT f.parcel_id, f.rule, f.classification, f.county_code, f.cluster_code, f.inefficient_type, f.stage,
         f.suspended, f.area_m2, f.reason
  FROM analysis.findings(refresh_all.as_of) f;
  GET DIAGNOSTICS np = ROW_COUNT;
  INSERT INTO analysis.unsupplied_remainder
  SELECT u.batch_id, u.approval_no, u.county_code, u.cluster_code, u.approved_on, u.old_stock, u.batch_m2,
         u.supplied_m2, u.remainder_m2, u.remainder_mu, u.sliver_count, u.sliver_m2, u.digestion_rate, u.geom, u.reason
  FROM analysis.unsupplied(refresh_all.as_of) u;
  GET DIAGNOSTICS nb = ROW_COUNT;
  INSERT INTO analysis.unsupplied_use (change_id, county_code, cluster_code, area_m2, geom, reason)
  SELECT c.change_id, c.county_code, c.cluster_code, c.area_m2, c.geom, c.reason
  FROM analysis.used_before_supply_changes(refresh_all.as_of) c;
  GET DIAGNOSTICS nc = ROW_COUNT;
  ms := round(extract(epoch FROM clock_timestamp() - t0) * 1000)::integer;
  INSERT INTO analysis.snapshot (singleton, as_of, refreshed_at, duration_ms, parcels, batches, changes)
  VALUES (true, refresh_all.as_of, clock_timestamp(), ms, np, nb, nc)
  ON CONFLICT (singleton) DO UPDATE SET as_of = EXCLUDED.as_of, refreshed_at = EXCLUDED.refreshed_at,
    duration_ms = EXCLUDED.duration_ms, parcels = EXCLUDED.parcels, batches = EXCLUDED.batches, changes = EXCLUDED.changes;
  RETURN jsonb_build_object('as_of', refresh_all.as_of, 'duration_ms', ms, 'findings', np, 'batches', nb, 'changes', nc);
END $$;
