/* The freshness machinery of the analysis (DOMAIN.md "Analysis"; the plan's freshness rule: a
   result is refreshed in the edit's own transaction or right after it). First written in
   migrations 300 and 800; defined here, re-created at every start like the rules, so that what
   runs is what this file says (the migrations keep the tables, indexes and triggers). Applied
   after analysis-1..8, whose functions these call. */

-- Serialises refreshes of the same keys across concurrent transactions, so that the refresh of
-- the later one sees the earlier one's committed writes (READ COMMITTED takes a new snapshot per
-- statement). Large sets take one exclusive lock instead of one lock per key.
CREATE OR REPLACE FUNCTION analysis.lock_for_refresh(ns integer, ids bigint[]) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  i bigint;
BEGIN
  IF cardinality(ids) > 200 THEN
    PERFORM pg_advisory_xact_lock(4103300, 0);
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(4103300, 0);
  FOR i IN SELECT DISTINCT x FROM unnest(ids) x ORDER BY x LOOP
    PERFORM pg_advisory_xact_lock(4103300 + ns, (i % 2147483647)::integer);
  END LOOP;
END $$;
COMMENT ON FUNCTION analysis.lock_for_refresh(integer, bigint[]) IS 'advisory locks that serialise concurrent refreshes of the same parcels (ns 1), batches (2) or changes (3)';


-- The parcel state of a large key set computed once, for the four parcel rules to read
-- (analysis.parcel_state_of, sql/functions/analysis-2-state.sql) in the caller's next statements.
-- Only under the exclusive refresh lock (refresh_all, process_pending, a refresh of over 200
-- keys), so no two transactions fill the work table at once; the rows are deleted by
-- state_work_clear in the same transaction, so no other session ever sees them. No SET clause
-- here: the setting, local to the transaction, must outlive this call (a function's SET clause
-- undoes the SET LOCALs made inside it); its callers' SET clauses undo it when they return.
CREATE OR REPLACE FUNCTION analysis.state_work_fill(as_of date, ids bigint[]) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM analysis.parcel_state_work;
  -- EXECUTE: planned for these ids (see analysis.findings_live)
  EXECUTE 'INSERT INTO analysis.parcel_state_work SELECT * FROM analysis.parcel_state($1, $2)' USING as_of, ids;
  -- Statistics of the columns the rules filter and join on only: those of the rules' jsonb took
  -- 1.9 s of a 50 000-parcel slice.
  ANALYZE analysis.parcel_state_work (parcel_id, county_code, cluster_code, contract_id, land_user_code, completed_on,
    producing_on, accepted_on, build_on, build_event_id, halted_on, gov_event_id);
  PERFORM set_config('onemap.parcel_state_work', as_of::text, true);
END $$;
COMMENT ON FUNCTION analysis.state_work_fill(date, bigint[]) IS
  'computes the parcel state of these parcels at the date once into analysis.parcel_state_work, for the parcel rules of this transaction to read (under the exclusive refresh lock)';

CREATE OR REPLACE FUNCTION analysis.state_work_clear() RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('onemap.parcel_state_work', '', true);
  DELETE FROM analysis.parcel_state_work;
END $$;
COMMENT ON FUNCTION analysis.state_work_clear() IS 'the parcel rules compute the parcel state again; analysis.parcel_state_work emptied';

-- One skeleton for the three keyed refreshes (parcel findings, 批而未供 remainders, 未供即用 change
-- polygons): lock the keys, drop their rows, insert what the live computation gives at the date.
-- Static statements, one per result, so that each keeps its own cached plan (an edit's
-- single-key refresh does not plan the rules again). The full recompute (refresh_all) has
-- statements of its own: its custom plans, costed over every key, must not count in these
-- statements' choice of a generic plan (which they did when it shared them: a single-parcel edit
-- went from ~20 ms to ~600 ms at the sixth call, measured with 100 000 parcels).
CREATE OR REPLACE FUNCTION analysis.materialise(ns integer, as_of date, ids bigint[]) RETURNS integer
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  n integer;
BEGIN
  PERFORM analysis.lock_for_refresh(ns, ids);
  CASE ns
  WHEN 1 THEN
    -- the lock above is the exclusive one for over 200 keys
    IF cardinality(ids) > 200 THEN PERFORM analysis.state_work_fill(materialise.as_of, ids); END IF;
    DELETE FROM analysis.parcel_status WHERE parcel_id = ANY(ids);
    INSERT INTO analysis.parcel_status
      (parcel_id, rule, classification, county_code, cluster_code, inefficient_type, stage, suspended, area_m2, reason)
    SELECT f.parcel_id, f.rule, f.classification, f.county_code, f.cluster_code, f.inefficient_type, f.stage,
           f.suspended, f.area_m2, f.reason
    FROM analysis.findings(materialise.as_of, ids) f
    ON CONFLICT (parcel_id, rule) DO UPDATE SET
      classification = EXCLUDED.classification, county_code = EXCLUDED.county_code,
      cluster_code = EXCLUDED.cluster_code, inefficient_type = EXCLUDED.inefficient_type,
      stage = EXCLUDED.stage, suspended = EXCLUDED.suspended, area_m2 = EXCLUDED.area_m2, reason = EXCLUDED.reason;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF cardinality(ids) > 200 THEN PERFORM analysis.state_work_clear(); END IF;
    RETURN n;
  WHEN 2 THEN
    PERFORM analysis.store_unsupplied_past(materialise.as_of, ids);
    DELETE FROM analysis.unsupplied_remainder WHERE batch_id = ANY(ids);
    INSERT INTO analysis.unsupplied_remainder
    SELECT u.batch_id, u.approval_no, u.county_code, u.cluster_code, u.approved_on, u.old_stock, u.batch_m2,
           u.supplied_m2, u.remainder_m2, u.remainder_mu, u.sliver_count, u.sliver_m2, u.digestion_rate, u.geom, u.reason
    FROM analysis.unsupplied(materialise.as_of, ids) u
    ON CONFLICT (batch_id) DO UPDATE SET
      approval_no = EXCLUDED.approval_no, county_code = EXCLUDED.county_code, cluster_code = EXCLUDED.cluster_code,
      approved_on = EXCLUDED.approved_on, old_stock = EXCLUDED.old_stock, batch_m2 = EXCLUDED.batch_m2,
      supplied_m2 = EXCLUDED.supplied_m2, remainder_m2 = EXCLUDED.remainder_m2, remainder_mu = EXCLUDED.remainder_mu,
      sliver_count = EXCLUDED.sliver_count, sliver_m2 = EXCLUDED.sliver_m2, digestion_rate = EXCLUDED.digestion_rate,
      geom = EXCLUDED.geom, reason = EXCLUDED.reason;
  WHEN 3 THEN
    DELETE FROM analysis.unsupplied_use WHERE change_id = ANY(ids);
    INSERT INTO analysis.unsupplied_use (change_id, county_code, cluster_code, area_m2, geom, reason)
    SELECT c.change_id, c.county_code, c.cluster_code, c.area_m2, c.geom, c.reason
    FROM analysis.used_before_supply_changes(materialise.as_of, ids) c
    ON CONFLICT (change_id) DO UPDATE SET county_code = EXCLUDED.county_code, cluster_code = EXCLUDED.cluster_code,
      area_m2 = EXCLUDED.area_m2, geom = EXCLUDED.geom, reason = EXCLUDED.reason;
  END CASE;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.materialise(integer, date, bigint[]) IS
  'recomputes one materialised result at a date for these keys: parcel findings (ns 1), 批而未供 remainders (2) or 未供即用 change polygons (3); returns the rows written';

-- An edit's refresh: the keys it touched, at the snapshot date; nothing before the first full recompute.
CREATE OR REPLACE FUNCTION analysis.refresh_keys(ns integer, ids bigint[]) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  snap date;
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN 0; END IF;
  SELECT s.as_of INTO snap FROM analysis.snapshot s;
  IF snap IS NULL THEN RETURN 0; END IF;
  RETURN analysis.materialise(ns, snap, ids);
END $$;
COMMENT ON FUNCTION analysis.refresh_keys(integer, bigint[]) IS
  'recomputes the materialised results of these keys (ns as in analysis.materialise) at the snapshot date; no-op before the first full recompute';

CREATE OR REPLACE FUNCTION analysis.refresh_parcels(ids bigint[]) RETURNS integer
  LANGUAGE sql AS $$ SELECT analysis.refresh_keys(1, ids) $$;
COMMENT ON FUNCTION analysis.refresh_parcels(bigint[]) IS 'recomputes the materialised findings of these parcels at the snapshot date; no-op before the first full recompute';

CREATE OR REPLACE FUNCTION analysis.refresh_batches(ids bigint[]) RETURNS integer
  LANGUAGE sql AS $$ SELECT analysis.refresh_keys(2, ids) $$;
COMMENT ON FUNCTION analysis.refresh_batches(bigint[]) IS 'recomputes the materialised 批而未供 remainders of these batches at the snapshot date; no-op before the first full recompute';

CREATE OR REPLACE FUNCTION analysis.refresh_changes(ids bigint[]) RETURNS integer
  LANGUAGE sql AS $$ SELECT analysis.refresh_keys(3, ids) $$;
COMMENT ON FUNCTION analysis.refresh_changes(bigint[]) IS 'recomputes the materialised 未供即用 change polygons of these remote-sensing changes at the snapshot date';

-- Full recompute (admin): every parcel, batch and change at one date; reports its duration. It
-- covers whatever was queued before it: the queue is emptied first, so that a write committing
-- during the recompute keeps its rows queued (and is refreshed once more).
-- The parcel findings are computed in slices of parcels in id order, each one statement planned
-- for its own ids (EXECUTE, as findings_live), never the whole city in one statement: every rule
-- materialises the parcel state (analysis-2-state.sql) and its CTEs, and one statement holds all
-- of them in temporary files until it ends: at 1M parcels the single INSERT spilled the 64 GB
-- left on the disk, at 200 000 it passed a 10 GB temp_file_limit. A parcel's findings depend on that parcel's rows only (the keyed refresh
-- analysis.materialise relies on it too), so the slices give the same rows, in time and space
-- proportional to the city: a slice's temporary files are freed when its statement ends.
CREATE OR REPLACE FUNCTION analysis.refresh_all(as_of date DEFAULT current_date) RETURNS jsonb
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  slice constant integer := 50000;
  t0 timestamptz := clock_timestamp();
  np integer := 0; nb integer; nc integer;
  n integer;
  ids bigint[];
  after bigint := -9223372036854775808;
  ms integer;
  queued bigint[];
  past date[];
BEGIN
  -- Shared with every other recompute, exclusive to a migration (server/db/migrate.ts
  -- MIGRATION_LOCK), and taken before any table: a process starting beside this one re-creates
  -- the functions, which share-locks the tables their bodies read, while this truncates them as
  -- it goes; taken in different orders the two deadlocked.
  PERFORM pg_advisory_xact_lock_shared(4103000001);
  PERFORM pg_advisory_xact_lock(4103300, 0);
  -- the batches a deferred write queued: their stored past remainders, if kept, are refreshed
  queued := analysis.pending_batches();
  DELETE FROM analysis.pending_parcel;
  TRUNCATE analysis.parcel_status, analysis.unsupplied_remainder, analysis.unsupplied_use;
  LOOP
    SELECT array_agg(s.id ORDER BY s.id) INTO ids
      FROM (SELECT p.id FROM parcel p WHERE p.id > after ORDER BY p.id LIMIT slice) s;
    EXIT WHEN ids IS NULL;
    after := ids[cardinality(ids)];
    -- TRUNCATE, not the DELETE of state_work_clear alone: rows deleted in this transaction stay
    -- in the table until it ends, and each slice's scans of the work rows would read every earlier
    -- slice's too (1 GB by the last slice at 1M parcels). It locks the table until the recompute
    -- commits, as the TRUNCATE of the materialised tables above already does for every reader.
    TRUNCATE analysis.parcel_state_work;
    PERFORM analysis.state_work_fill(as_of, ids);
    EXECUTE 'INSERT INTO analysis.parcel_status
      (parcel_id, rule, classification, county_code, cluster_code, inefficient_type, stage, suspended, area_m2, reason)
      SELECT f.parcel_id, f.rule, f.classification, f.county_code, f.cluster_code, f.inefficient_type, f.stage,
             f.suspended, f.area_m2, f.reason
      FROM analysis.findings($1, $2) f' USING as_of, ids;
    GET DIAGNOSTICS n = ROW_COUNT;
    np := np + n;
    PERFORM analysis.state_work_clear();
  END LOOP;
  INSERT INTO analysis.unsupplied_remainder
  SELECT u.batch_id, u.approval_no, u.county_code, u.cluster_code, u.approved_on, u.old_stock, u.batch_m2,
         u.supplied_m2, u.remainder_m2, u.remainder_mu, u.sliver_count, u.sliver_m2, u.digestion_rate, u.geom, u.reason
  FROM analysis.unsupplied(refresh_all.as_of) u;
  GET DIAGNOSTICS nb = ROW_COUNT;
  -- the stored past remainders kept when the guards allow; the dates left are for the follow-on
  -- step (analysis.store_unsupplied_past(as_of) in a transaction of its own, after this one)
  past := analysis.keep_unsupplied_past(refresh_all.as_of, queued);
  INSERT INTO analysis.unsupplied_use (change_id, county_code, cluster_code, area_m2, geom, reason)
  SELECT c.change_id, c.county_code, c.cluster_code, c.area_m2, c.geom, c.reason
  FROM analysis.used_before_supply_changes(refresh_all.as_of) c;
  GET DIAGNOSTICS nc = ROW_COUNT;
  ms := round(extract(epoch FROM clock_timestamp() - t0) * 1000)::integer;
  INSERT INTO analysis.snapshot (singleton, as_of, refreshed_at, duration_ms, parcels, batches, changes)
  VALUES (true, refresh_all.as_of, clock_timestamp(), ms, np, nb, nc)
  ON CONFLICT (singleton) DO UPDATE SET as_of = EXCLUDED.as_of, refreshed_at = EXCLUDED.refreshed_at,
    duration_ms = EXCLUDED.duration_ms, parcels = EXCLUDED.parcels, batches = EXCLUDED.batches, changes = EXCLUDED.changes;
  RETURN jsonb_build_object('as_of', refresh_all.as_of, 'duration_ms', ms, 'findings', np, 'batches', nb, 'changes', nc,
    'past_to_store', to_jsonb(past));
END $$;
COMMENT ON FUNCTION analysis.refresh_all(date) IS 'recomputes every materialised analysis result at a date (default today) and makes it the snapshot, keeping the stored past 批而未供 remainders the guards allow; returns counts, duration_ms and past_to_store (the dates left for the follow-on analysis.store_unsupplied_past(NULL))';

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

-- Batches and changes whose supplied cover depends on these parcels' geometry.
CREATE OR REPLACE FUNCTION analysis.touch_parcel_cover(parcel_ids bigint[], geoms geometry[]) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  b bigint[];
  c bigint[];
  pids bigint[] := parcel_ids;
BEGIN
  SELECT array_agg(DISTINCT ab.id) INTO b FROM approval_batch ab, unnest(geoms) g
   WHERE ab.geom && g AND ST_Intersects(ab.geom, g);
  SELECT array_agg(DISTINCT rc.id) INTO c FROM rs_change rc, unnest(geoms) g
   WHERE rc.geom && g AND ST_Intersects(rc.geom, g);
  PERFORM analysis.touch(pids, b, c);
END $$;
COMMENT ON FUNCTION analysis.touch_parcel_cover(bigint[], geometry[]) IS 'refreshes these parcels and every batch and change that meets one of these geometries';

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

-- Rows that carry a parcel_id: contracts (also change the supplied cover), events, flags.
CREATE OR REPLACE FUNCTION analysis.on_parcel_row_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  geoms geometry[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(parcel_id) INTO ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(parcel_id) INTO ids FROM old_rows;
  ELSE
    SELECT array_agg(x) INTO ids FROM (SELECT parcel_id AS x FROM new_rows UNION SELECT parcel_id FROM old_rows) s;
  END IF;
  IF TG_TABLE_NAME = 'supply_contract' THEN
    SELECT array_agg(p.geom) INTO geoms FROM parcel p WHERE p.id = ANY(ids);
    PERFORM analysis.touch_parcel_cover(ids, coalesce(geoms, '{}'));
  ELSE
    PERFORM analysis.touch(ids, NULL, NULL);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION analysis.on_indicator_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(c.parcel_id) INTO ids FROM new_rows r JOIN supply_contract c ON c.id = r.contract_id;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(c.parcel_id) INTO ids FROM old_rows r JOIN supply_contract c ON c.id = r.contract_id;
  ELSE
    SELECT array_agg(c.parcel_id) INTO ids FROM (SELECT contract_id FROM new_rows UNION SELECT contract_id FROM old_rows) r
      JOIN supply_contract c ON c.id = r.contract_id;
  END IF;
  PERFORM analysis.touch(ids, NULL, NULL);
  RETURN NULL;
END $$;

-- Enterprise figures and industry: the parcels the enterprise holds by contract.
CREATE OR REPLACE FUNCTION analysis.on_enterprise_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT c.parcel_id) INTO ids FROM new_rows r JOIN supply_contract c ON c.land_user_code = r.credit_code;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT c.parcel_id) INTO ids FROM old_rows r JOIN supply_contract c ON c.land_user_code = r.credit_code;
  ELSE
    SELECT array_agg(DISTINCT c.parcel_id) INTO ids
      FROM (SELECT credit_code FROM new_rows UNION SELECT credit_code FROM old_rows) r
      JOIN supply_contract c ON c.land_user_code = r.credit_code;
  END IF;
  PERFORM analysis.touch(ids, NULL, NULL);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION analysis.on_batch_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id) INTO ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(id) INTO ids FROM old_rows;
  ELSE
    SELECT array_agg(x) INTO ids FROM (SELECT id AS x FROM new_rows UNION SELECT id FROM old_rows) s;
  END IF;
  PERFORM analysis.touch(NULL, ids, NULL);
  RETURN NULL;
END $$;

-- A change polygon: itself, and the unsupplied parcels it may reveal as used before supply.
CREATE OR REPLACE FUNCTION analysis.on_change_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  pids bigint[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id) INTO ids FROM new_rows;
    SELECT array_agg(DISTINCT p.id) INTO pids FROM new_rows r JOIN parcel p ON p.geom && r.geom AND ST_Intersects(p.geom, r.geom);
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(id) INTO ids FROM old_rows;
    SELECT array_agg(DISTINCT p.id) INTO pids FROM old_rows r JOIN parcel p ON p.geom && r.geom AND ST_Intersects(p.geom, r.geom);
  ELSE
    SELECT array_agg(x) INTO ids FROM (SELECT id AS x FROM new_rows UNION SELECT id FROM old_rows) s;
    SELECT array_agg(DISTINCT p.id) INTO pids FROM (SELECT geom FROM new_rows UNION ALL SELECT geom FROM old_rows) r
      JOIN parcel p ON p.geom && r.geom AND ST_Intersects(p.geom, r.geom);
  END IF;
  PERFORM analysis.touch(pids, NULL, ids);
  RETURN NULL;
END $$;

-- Plan zones and cluster boundaries: the conformity of the parcels they meet or hold; and for a
-- boundary, the cluster that change polygons are counted in.
CREATE OR REPLACE FUNCTION analysis.on_plan_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  pids bigint[];
  cids bigint[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
  IF TG_TABLE_NAME = 'cluster' THEN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(p.id) INTO pids FROM new_rows r JOIN parcel p ON p.cluster_code = r.code;
      SELECT array_agg(DISTINCT c.id) INTO cids FROM new_rows r JOIN rs_change c ON c.geom && r.boundary AND ST_Intersects(c.geom, r.boundary);
    ELSIF TG_OP = 'DELETE' THEN
      SELECT array_agg(p.id) INTO pids FROM old_rows r JOIN parcel p ON p.cluster_code = r.code;
      SELECT array_agg(DISTINCT c.id) INTO cids FROM old_rows r JOIN rs_change c ON c.geom && r.boundary AND ST_Intersects(c.geom, r.boundary);
    ELSE
      SELECT array_agg(p.id) INTO pids FROM new_rows r JOIN parcel p ON p.cluster_code = r.code;
      SELECT array_agg(DISTINCT c.id) INTO cids
        FROM (SELECT boundary FROM new_rows UNION ALL SELECT boundary FROM old_rows) r
        JOIN rs_change c ON c.geom && r.boundary AND ST_Intersects(c.geom, r.boundary);
    END IF;
    PERFORM analysis.touch(pids, NULL, cids);
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT p.id) INTO pids FROM new_rows r JOIN parcel p ON p.geom && r.geom AND ST_Intersects(p.geom, r.geom);
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT p.id) INTO pids FROM old_rows r JOIN parcel p ON p.geom && r.geom AND ST_Intersects(p.geom, r.geom);
  ELSE
    SELECT array_agg(DISTINCT p.id) INTO pids FROM (SELECT geom FROM new_rows UNION ALL SELECT geom FROM old_rows) r
      JOIN parcel p ON p.geom && r.geom AND ST_Intersects(p.geom, r.geom);
  END IF;
  PERFORM analysis.touch(pids, NULL, NULL);
  RETURN NULL;
END $$;

-- A rule row: everything in its county (or the whole city for a city-wide row).
CREATE OR REPLACE FUNCTION analysis.on_rule_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  counties text[];
  whole_city boolean;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(county_code), bool_or(county_code IS NULL) INTO counties, whole_city FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(county_code), bool_or(county_code IS NULL) INTO counties, whole_city FROM old_rows;
  ELSE
    SELECT array_agg(c), bool_or(c IS NULL) INTO counties, whole_city
      FROM (SELECT county_code AS c FROM new_rows UNION ALL SELECT county_code FROM old_rows) s;
  END IF;
  PERFORM analysis.touch(
    ARRAY(SELECT id FROM parcel WHERE whole_city OR county_code = ANY(counties)),
    ARRAY(SELECT id FROM approval_batch WHERE whole_city OR county_code = ANY(counties)),
    ARRAY(SELECT id FROM rs_change WHERE whole_city OR county_code = ANY(counties) OR county_code IS NULL));
  RETURN NULL;
END $$;

-- Works off up to max_rows queued rows in this transaction; returns how many it took (0: none left).
CREATE OR REPLACE FUNCTION analysis.process_pending(max_rows integer DEFAULT 20000) RETURNS integer
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
