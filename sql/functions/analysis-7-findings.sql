/* All parcel findings of one date in one shape, and the "_at" readers that serve the
   materialised snapshot when it is for the asked date and compute live otherwise — so every
   caller gets the same answer either way. */

-- The materialised tables answer for a date when the snapshot is for it and no deferred write
-- is still queued (analysis.pending_parcel, sql/migrations/800_bulk_commit.sql). For one parcel
-- only its own queued rows matter.
CREATE OR REPLACE FUNCTION analysis.materialised_for(as_of date, parcel_id bigint DEFAULT NULL) RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM analysis.snapshot sn WHERE sn.as_of = $1)
     AND NOT EXISTS (SELECT 1 FROM analysis.pending_parcel q WHERE $2 IS NULL OR q.parcel_id = $2)
$$;
COMMENT ON FUNCTION analysis.materialised_for(date, bigint) IS
  'whether the materialised findings answer for this date (and this parcel): snapshot of that date, nothing of it queued';

CREATE OR REPLACE FUNCTION analysis.snapshot_for(as_of date) RETURNS boolean
  LANGUAGE sql STABLE AS $$ SELECT EXISTS (SELECT 1 FROM analysis.snapshot sn WHERE sn.as_of = $1) $$;
COMMENT ON FUNCTION analysis.snapshot_for(date) IS 'whether the materialised snapshot is of this date (whatever is queued)';

-- What a queued (deferred) write leaves stale until process_pending works it off: exactly what
-- analysis.touch_parcel_cover will refresh — the queued parcels, and the batches and changes that
-- meet a queued shape. The "_at" readers compute these live and serve the rest from the snapshot,
-- so a read during the catch-up after a bulk upload costs in proportion to what is still queued,
-- not to the city, and answers as the caught-up tables will.
CREATE OR REPLACE FUNCTION analysis.pending_parcels(parcel_ids bigint[] DEFAULT NULL) RETURNS bigint[]
  LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(DISTINCT q.parcel_id), '{}') FROM analysis.pending_parcel q
   WHERE q.parcel_id IS NOT NULL AND ($1 IS NULL OR q.parcel_id = ANY($1))
$$;
COMMENT ON FUNCTION analysis.pending_parcels(bigint[]) IS 'the queued parcels (of these, or all): their materialised findings are stale';

CREATE OR REPLACE FUNCTION analysis.pending_batches(batch_ids bigint[] DEFAULT NULL) RETURNS bigint[]
  LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(DISTINCT b.id), '{}')
    FROM analysis.pending_parcel q JOIN approval_batch b ON b.geom && q.geom AND ST_Intersects(b.geom, q.geom)
   WHERE q.geom IS NOT NULL AND ($1 IS NULL OR b.id = ANY($1))
$$;
COMMENT ON FUNCTION analysis.pending_batches(bigint[]) IS 'the batches (of these, or all) a queued shape meets: their materialised remainders are stale';

CREATE OR REPLACE FUNCTION analysis.pending_changes(change_ids bigint[] DEFAULT NULL) RETURNS bigint[]
  LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(DISTINCT c.id), '{}')
    FROM analysis.pending_parcel q JOIN rs_change c ON c.geom && q.geom AND ST_Intersects(c.geom, q.geom)
   WHERE q.geom IS NOT NULL AND ($1 IS NULL OR c.id = ANY($1))
$$;
COMMENT ON FUNCTION analysis.pending_changes(bigint[]) IS 'the change polygons (of these, or all) a queued shape meets: their materialised 未供即用 rows are stale';

CREATE OR REPLACE FUNCTION analysis.findings(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, county_code char(6), cluster_code text, classification text, rule text,
                 inefficient_type smallint, stage smallint, suspended boolean, area_m2 numeric, reason jsonb)
  LANGUAGE sql STABLE AS $$
  SELECT * FROM analysis.idle($1, $2)
  UNION ALL SELECT * FROM analysis.inefficient($1, $2)
  UNION ALL SELECT * FROM analysis.used_before_supply($1, $2)
  UNION ALL SELECT * FROM analysis.conformity($1, $2)
$$;
COMMENT ON FUNCTION analysis.findings(date, bigint[]) IS
  'every parcel finding at a date (idle, inefficient, used_before_supply, conformity), computed live; one row per parcel and rule';

-- The live computations for a key set known only when the query runs (the stale keys, or the ids
-- a caller passes through a sub-select): EXECUTE plans them with the keys in view. Planned
-- without them (a parameter of a SQL function), the rules scan the whole city and filter after:
-- findings of 5000 parcels took 11.9 s that way against 0.97 s with the keys in view (100k parcels).
CREATE OR REPLACE FUNCTION analysis.findings_live(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, county_code char(6), cluster_code text, classification text, rule text,
                 inefficient_type smallint, stage smallint, suspended boolean, area_m2 numeric, reason jsonb)
  LANGUAGE plpgsql STABLE SET jit = off AS $$
BEGIN
  IF cardinality(parcel_ids) = 0 THEN RETURN; END IF;
  RETURN QUERY EXECUTE 'SELECT * FROM analysis.findings($1, $2)' USING as_of, parcel_ids;
END $$;
COMMENT ON FUNCTION analysis.findings_live(date, bigint[]) IS
  'analysis.findings planned for these parcels (NULL: all), their ids in view of the planner';

CREATE OR REPLACE FUNCTION analysis.unsupplied_live(as_of date, batch_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (batch_id bigint, approval_no text, county_code char(6), cluster_code text, approved_on date,
                 old_stock boolean, batch_m2 numeric, supplied_m2 numeric, remainder_m2 numeric, remainder_mu numeric,
                 sliver_count integer, sliver_m2 numeric, digestion_rate numeric, geom geometry, reason jsonb)
  LANGUAGE plpgsql STABLE SET jit = off AS $$
BEGIN
  IF cardinality(batch_ids) = 0 THEN RETURN; END IF;
  RETURN QUERY EXECUTE 'SELECT * FROM analysis.unsupplied($1, $2)' USING as_of, batch_ids;
END $$;
COMMENT ON FUNCTION analysis.unsupplied_live(date, bigint[]) IS
  'analysis.unsupplied planned for these batches (NULL: all), their ids in view of the planner';

CREATE OR REPLACE FUNCTION analysis.used_before_supply_changes_live(as_of date, change_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (change_id bigint, county_code char(6), cluster_code text, area_m2 numeric, geom geometry, reason jsonb)
  LANGUAGE plpgsql STABLE SET jit = off AS $$
BEGIN
  IF cardinality(change_ids) = 0 THEN RETURN; END IF;
  RETURN QUERY EXECUTE 'SELECT * FROM analysis.used_before_supply_changes($1, $2)' USING as_of, change_ids;
END $$;
COMMENT ON FUNCTION analysis.used_before_supply_changes_live(date, bigint[]) IS
  'analysis.used_before_supply_changes planned for these changes (NULL: all), their ids in view of the planner';

-- Each reader computes its stale keys once (a MATERIALIZED CTE), serves the snapshot without them
-- and computes them live.
CREATE OR REPLACE FUNCTION analysis.findings_at(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, county_code char(6), cluster_code text, classification text, rule text,
                 inefficient_type smallint, stage smallint, suspended boolean, area_m2 numeric, reason jsonb)
  LANGUAGE sql STABLE AS $$
  WITH stale AS MATERIALIZED (SELECT analysis.pending_parcels($2) AS ids)
  SELECT ps.parcel_id, ps.county_code, ps.cluster_code, ps.classification, ps.rule, ps.inefficient_type, ps.stage,
         ps.suspended, ps.area_m2, ps.reason
  FROM analysis.parcel_status ps
  WHERE analysis.snapshot_for($1)
    AND ($2 IS NULL OR ps.parcel_id = ANY($2))
    AND ps.parcel_id NOT IN (SELECT unnest(ids) FROM stale)
  UNION ALL
  SELECT f.* FROM analysis.findings_live($1, (SELECT ids FROM stale)) f
  WHERE analysis.snapshot_for($1) AND EXISTS (SELECT 1 FROM analysis.pending_parcel)
  UNION ALL
  SELECT f.* FROM analysis.findings_live($1, $2) f
  WHERE NOT analysis.snapshot_for($1)
$$;
COMMENT ON FUNCTION analysis.findings_at(date, bigint[]) IS
  'parcel findings at a date: the materialised ones when the snapshot is for that date (those of queued parcels computed live), else all computed live';

CREATE OR REPLACE FUNCTION analysis.unsupplied_at(as_of date, batch_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (batch_id bigint, approval_no text, county_code char(6), cluster_code text, approved_on date,
                 old_stock boolean, batch_m2 numeric, supplied_m2 numeric, remainder_m2 numeric, remainder_mu numeric,
                 sliver_count integer, sliver_m2 numeric, digestion_rate numeric, geom geometry, reason jsonb)
  LANGUAGE sql STABLE AS $$
  WITH stale AS MATERIALIZED (SELECT analysis.pending_batches($2) AS ids)
  SELECT u.batch_id, u.approval_no, u.county_code, u.cluster_code, u.approved_on, u.old_stock, u.batch_m2, u.supplied_m2,
         u.remainder_m2, u.remainder_mu, u.sliver_count, u.sliver_m2, u.digestion_rate, u.geom, u.reason
  FROM analysis.unsupplied_remainder u
  WHERE analysis.snapshot_for($1)
    AND ($2 IS NULL OR u.batch_id = ANY($2))
    AND u.batch_id NOT IN (SELECT unnest(ids) FROM stale)
  UNION ALL
  SELECT l.* FROM analysis.unsupplied_live($1, (SELECT ids FROM stale)) l
  WHERE analysis.snapshot_for($1) AND EXISTS (SELECT 1 FROM analysis.pending_parcel)
  UNION ALL
  SELECT l.* FROM analysis.unsupplied_live($1, $2) l
  WHERE NOT analysis.snapshot_for($1)
$$;
COMMENT ON FUNCTION analysis.unsupplied_at(date, bigint[]) IS
  '批而未供 remainders at a date: the materialised ones when the snapshot is for that date (those a queued shape meets computed live), else all computed live';

CREATE OR REPLACE FUNCTION analysis.used_before_supply_changes_at(as_of date, change_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (change_id bigint, county_code char(6), cluster_code text, area_m2 numeric, geom geometry, reason jsonb)
  LANGUAGE sql STABLE AS $$
  WITH stale AS MATERIALIZED (SELECT analysis.pending_changes($2) AS ids)
  SELECT u.change_id, u.county_code, u.cluster_code, u.area_m2, u.geom, u.reason
  FROM analysis.unsupplied_use u
  WHERE analysis.snapshot_for($1)
    AND ($2 IS NULL OR u.change_id = ANY($2))
    AND u.change_id NOT IN (SELECT unnest(ids) FROM stale)
  UNION ALL
  SELECT l.* FROM analysis.used_before_supply_changes_live($1, (SELECT ids FROM stale)) l
  WHERE analysis.snapshot_for($1) AND EXISTS (SELECT 1 FROM analysis.pending_parcel)
  UNION ALL
  SELECT l.* FROM analysis.used_before_supply_changes_live($1, $2) l
  WHERE NOT analysis.snapshot_for($1)
$$;
COMMENT ON FUNCTION analysis.used_before_supply_changes_at(date, bigint[]) IS
  '未供即用 change polygons at a date: the materialised ones when the snapshot is for that date (those a queued shape meets computed live), else all computed live';

-- A card's findings reach roles outside sensitiveRoles through redact_sensitive(reason, shown)
-- (sql/functions/land-1-sensitive.sql; DOMAIN.md "Governance"): a finding drawn from enterprise
-- figures (profit, rating, output) keeps its label, not its measured values nor its test.
CREATE OR REPLACE FUNCTION analysis.parcel_classifications(parcel_id bigint, as_of date, show_sensitive boolean DEFAULT false)
  RETURNS jsonb
  -- plpgsql, not sql: its statements' plans are cached per session, where a sql function with a
  -- SET clause is planned anew on every call, and the live branch inlines every rule (about 30 ms
  -- of planning per card, measured with 100k parcels). The materialised branch is a key lookup.
  LANGUAGE plpgsql STABLE SET jit = off AS $$
BEGIN
  IF analysis.materialised_for(parcel_classifications.as_of, parcel_classifications.parcel_id) THEN
    RETURN (
      SELECT coalesce(jsonb_agg(jsonb_build_object(
               'classification', f.classification, 'rule', f.rule, 'type', f.inefficient_type, 'stage', f.stage,
               'suspended', f.suspended, 'label', f.reason ->> 'label', 'reason', redact_sensitive(f.reason, show_sensitive))
             ORDER BY f.classification, f.rule), '[]'::jsonb)
      FROM analysis.parcel_status f
      WHERE f.parcel_id = parcel_classifications.parcel_id);
  END IF;
  RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
             'classification', f.classification, 'rule', f.rule, 'type', f.inefficient_type, 'stage', f.stage,
             'suspended', f.suspended, 'label', f.reason ->> 'label', 'reason', redact_sensitive(f.reason, show_sensitive))
           ORDER BY f.classification, f.rule), '[]'::jsonb)
    FROM analysis.findings(parcel_classifications.as_of, ARRAY[parcel_classifications.parcel_id]) f);
END $$;
COMMENT ON FUNCTION analysis.parcel_classifications(bigint, date, boolean) IS
  'the classifications of one parcel at a date for its card (一宗一卡): [{classification, rule, type, stage, suspended, label, reason}], enterprise figures withheld unless show_sensitive';
