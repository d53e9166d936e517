/* All parcel findings of one date in one shape, and the "_at" readers that serve the
   materialised snapshot when it is for the asked date and compute live otherwise — so every
   caller gets the same answer either way (issue 5 §7–8). */

-- The materialised tables answer for a date when the snapshot is for it and no deferred write
-- is still queued (analysis.pending_parcel, sql/migrations/800_bulk_commit.sql); else the
-- readers below compute live. For one parcel only its own queued rows matter.
CREATE OR REPLACE FUNCTION analysis.materialised_for(as_of date, parcel_id bigint DEFAULT NULL) RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM analysis.snapshot sn WHERE sn.as_of = $1)
     AND NOT EXISTS (SELECT 1 FROM analysis.pending_parcel q WHERE $2 IS NULL OR q.parcel_id = $2)
$$;
COMMENT ON FUNCTION analysis.materialised_for(date, bigint) IS
  'whether the materialised findings answer for this date (and this parcel): snapshot of that date, nothing of it queued';

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

CREATE OR REPLACE FUNCTION analysis.findings_at(as_of date, parcel_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (parcel_id bigint, county_code char(6), cluster_code text, classification text, rule text,
                 inefficient_type smallint, stage smallint, suspended boolean, area_m2 numeric, reason jsonb)
  LANGUAGE sql STABLE AS $$
  SELECT ps.parcel_id, ps.county_code, ps.cluster_code, ps.classification, ps.rule, ps.inefficient_type, ps.stage,
         ps.suspended, ps.area_m2, ps.reason
  FROM analysis.parcel_status ps
  WHERE analysis.materialised_for($1)
    AND ($2 IS NULL OR ps.parcel_id = ANY($2))
  UNION ALL
  SELECT f.* FROM analysis.findings($1, $2) f
  WHERE NOT analysis.materialised_for($1)
$$;
COMMENT ON FUNCTION analysis.findings_at(date, bigint[]) IS
  'parcel findings at a date: the materialised ones when the snapshot is for that date and nothing is queued, else computed live';

CREATE OR REPLACE FUNCTION analysis.unsupplied_at(as_of date, batch_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (batch_id bigint, approval_no text, county_code char(6), cluster_code text, approved_on date,
                 old_stock boolean, batch_m2 numeric, supplied_m2 numeric, remainder_m2 numeric, remainder_mu numeric,
                 sliver_count integer, sliver_m2 numeric, digestion_rate numeric, geom geometry, reason jsonb)
  LANGUAGE sql STABLE AS $$
  SELECT u.batch_id, u.approval_no, u.county_code, u.cluster_code, u.approved_on, u.old_stock, u.batch_m2, u.supplied_m2,
         u.remainder_m2, u.remainder_mu, u.sliver_count, u.sliver_m2, u.digestion_rate, u.geom, u.reason
  FROM analysis.unsupplied_remainder u
  WHERE analysis.materialised_for($1)
    AND ($2 IS NULL OR u.batch_id = ANY($2))
  UNION ALL
  SELECT l.* FROM analysis.unsupplied($1, $2) l
  WHERE NOT analysis.materialised_for($1)
$$;
COMMENT ON FUNCTION analysis.unsupplied_at(date, bigint[]) IS
  '批而未供 remainders at a date: the materialised ones when the snapshot is for that date, else computed live';

CREATE OR REPLACE FUNCTION analysis.used_before_supply_changes_at(as_of date, change_ids bigint[] DEFAULT NULL)
  RETURNS TABLE (change_id bigint, county_code char(6), cluster_code text, area_m2 numeric, geom geometry, reason jsonb)
  LANGUAGE sql STABLE AS $$
  SELECT u.change_id, u.county_code, u.cluster_code, u.area_m2, u.geom, u.reason
  FROM analysis.unsupplied_use u
  WHERE analysis.materialised_for($1)
    AND ($2 IS NULL OR u.change_id = ANY($2))
  UNION ALL
  SELECT l.* FROM analysis.used_before_supply_changes($1, $2) l
  WHERE NOT analysis.materialised_for($1)
$$;
COMMENT ON FUNCTION analysis.used_before_supply_changes_at(date, bigint[]) IS
  '未供即用 change polygons at a date: the materialised ones when the snapshot is for that date, else computed live';

-- Enterprise figures (profit, rating, output) never reach roles outside sensitiveRoles
-- (DOMAIN.md "Governance"): the measured values and the test that shows them are withheld.
CREATE OR REPLACE FUNCTION analysis.redact(reason jsonb, show_sensitive boolean) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN $2 OR coalesce(($1 ->> 'sensitive')::boolean, false) = false THEN $1
              ELSE $1 - 'test' || jsonb_build_object('measured', '已隐藏 / hidden: enterprise figures') END
$$;
COMMENT ON FUNCTION analysis.redact(jsonb, boolean) IS
  'a reason with enterprise figures withheld unless show_sensitive: the measured values and test of sensitive findings';

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
               'suspended', f.suspended, 'label', f.reason ->> 'label', 'reason', analysis.redact(f.reason, show_sensitive))
             ORDER BY f.classification, f.rule), '[]'::jsonb)
      FROM analysis.parcel_status f
      WHERE f.parcel_id = parcel_classifications.parcel_id);
  END IF;
  RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
             'classification', f.classification, 'rule', f.rule, 'type', f.inefficient_type, 'stage', f.stage,
             'suspended', f.suspended, 'label', f.reason ->> 'label', 'reason', analysis.redact(f.reason, show_sensitive))
           ORDER BY f.classification, f.rule), '[]'::jsonb)
    FROM analysis.findings(parcel_classifications.as_of, ARRAY[parcel_classifications.parcel_id]) f);
END $$;
COMMENT ON FUNCTION analysis.parcel_classifications(bigint, date, boolean) IS
  'the classifications of one parcel at a date for its card (一宗一卡): [{classification, rule, type, stage, suspended, label, reason}], enterprise figures withheld unless show_sensitive';
