/* Land-status analysis (DOMAIN.md "Classifications the system computes"): official flags for
   inefficient types 1 and 6, the national defaults of every threshold as city-wide county rules,
   the materialised results (one snapshot date), and the refresh machinery that keeps them fresh
   in the transaction of each edit. The rules themselves are the STABLE functions of
   sql/functions/analysis-*.sql; this file only stores and refreshes what they return. */

-- Inefficient land flags set by an official (annex 3 art. 2(1) 产业转型类 and 2(6) 其他).
CREATE TABLE parcel_flag (
  id          bigserial PRIMARY KEY,
  parcel_id   bigint NOT NULL REFERENCES parcel,
  county_code char(6) NOT NULL REFERENCES county,
  kind        text NOT NULL CHECK (kind IN ('industry_transition','other')),
  reason      text NOT NULL CHECK (btrim(reason) <> ''),
  set_by      text NOT NULL,
  set_on      date NOT NULL,
  cleared_on  date CHECK (cleared_on IS NULL OR cleared_on >= set_on),
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parcel_flag_parcel_idx ON parcel_flag (parcel_id);
CREATE TRIGGER parcel_flag_log AFTER INSERT OR UPDATE OR DELETE ON parcel_flag
  FOR EACH ROW EXECUTE FUNCTION log_row_change();

-- The thresholds the rules read, as city-wide rows (county_code NULL) in force since 1900-01-01:
-- a county overrides one with its own row from a date on (seed §二(三)7, §二(三)8).
INSERT INTO county_rule (county_code, key, value, effective_from, note) VALUES
  (NULL, 'idle_days',               '365',          '1900-01-01', '闲置: 超过约定动工日期满一年未动工 (闲置土地处置办法 2012 art. 2): idle when days since agreed start > this'),
  (NULL, 'idle_stage2_days',        '730',          '1900-01-01', '闲置满两年 (2012 art. 14): stage 2 (recovery) from this many days, stage 1 (fee) before'),
  (NULL, 'idle_developed_share',    '"1/3"',        '1900-01-01', '闲置: developed area < this share of the area to be developed (2012 art. 2)'),
  (NULL, 'idle_invested_share',     '0.25',         '1900-01-01', '闲置: invested < this share of total investment (2012 art. 2)'),
  (NULL, 'halt_days',               '365',          '1900-01-01', '中止开发建设满一年 (2012 art. 2): halted at least this many days'),
  (NULL, 'sliver_m2',               '1',            '1900-01-01', '批而未供: remainder pieces below this many m² are dropped (and counted)'),
  (NULL, 'area_tolerance',          '1',            '1900-01-01', 'plan conformity / used before supply: overlaps up to this many m² are digitising noise'),
  (NULL, 'no_profit_years',         '2',            '1900-01-01', '低效 type 4: no operating profit for more than this many whole years after completion acceptance (annex 3 art. 2(4))'),
  (NULL, 'rating_c_years',          '2',            '1900-01-01', '低效 type 5: rated C this many consecutive years (annex 3 art. 2(5))'),
  (NULL, 'green_ratio_max',         '0.20',         '1900-01-01', '低效 type 3: green-space ratio maximum when the contract sets none (national default 20%)'),
  (NULL, 'admin_share_max',         '0.07',         '1900-01-01', '低效 type 3: admin/living facility share maximum when the contract sets none (national default 7%)'),
  (NULL, 'industrial_zone_types',   '["industrial"]', '1900-01-01', 'plan conformity: plan zone types an industrial parcel may lie on'),
  (NULL, 'industrial_land_use_like','["%工业%", "%industrial%"]', '1900-01-01', 'plan conformity: land-use values (SQL LIKE patterns) that make a project industrial'),
  (NULL, 'large_project_mu',        '100',          '1900-01-01', '§二(二)5: a new industrial project of this many mu or more is to be supplied in phases'),
  (NULL, 'phased_supply_from',      '"2021-01-01"', '1900-01-01', '§二(二)5 applies to contracts signed on or after this date (the 2021 action plan)'),
  (NULL, 'construction_change_types','["new_construction"]', '1900-01-01', '未供即用: remote-sensing change types that count as construction'),
  (NULL, 'unsupplied_baseline_date','"2020-12-31"', '1900-01-01', '批而未供: the stock is measured at this date (§一(二)2)'),
  (NULL, 'unsupplied_yearly_target','0.30',         '1900-01-01', '批而未供: share of the stock at the start of a year to digest in that year, 2021–2023 (§一(二)2)'),
  (NULL, 'stock_cutoff_date',       '"2018-01-01"', '1900-01-01', '批而未供: batches approved before this date form the old stock (§一(二)1)'),
  (NULL, 'stock_revitalise_target', '0.60',         '1900-01-01', '批而未供: share of the old stock (at the baseline) to revitalise by the deadline (§一(二)1)'),
  (NULL, 'stock_revitalise_deadline','"2022-12-31"', '1900-01-01', '批而未供: deadline of the old-stock target (§一(二)1)');

-- Materialised results at one date (the snapshot). Everything else is computed live.
CREATE TABLE analysis.snapshot (
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  as_of        date NOT NULL,
  refreshed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  duration_ms  integer NOT NULL,
  parcels      integer NOT NULL,
  batches      integer NOT NULL,
  changes      integer NOT NULL
);
COMMENT ON TABLE analysis.snapshot IS 'the date the materialised analysis tables hold results for, and the last full recompute';

-- One row per finding of a parcel (a parcel can carry several), as analysis.findings returns them.
CREATE TABLE analysis.parcel_status (
  parcel_id        bigint NOT NULL,
  rule             text NOT NULL,
  classification   text NOT NULL,
  county_code      char(6) NOT NULL,
  cluster_code     text,
  inefficient_type smallint,
  stage            smallint,
  suspended        boolean NOT NULL,
  area_m2          numeric(16,2) NOT NULL,
  reason           jsonb NOT NULL,
  PRIMARY KEY (parcel_id, rule)
);
CREATE INDEX parcel_status_class_idx ON analysis.parcel_status (classification, cluster_code);

-- 批而未供: one row per approval batch approved by the snapshot date, as analysis.unsupplied returns it.
CREATE TABLE analysis.unsupplied_remainder (
  batch_id       bigint PRIMARY KEY,
  approval_no    text NOT NULL,
  county_code    char(6) NOT NULL,
  cluster_code   text,
  approved_on    date NOT NULL,
  old_stock      boolean NOT NULL,
  batch_m2       numeric(16,2) NOT NULL,
  supplied_m2    numeric(16,2) NOT NULL,
  remainder_m2   numeric(16,2) NOT NULL,
  remainder_mu   numeric(20,6) NOT NULL,
  sliver_count   integer NOT NULL,
  sliver_m2      numeric(16,2) NOT NULL,
  digestion_rate numeric(9,6) NOT NULL,
  geom           geometry(MultiPolygon, 4490),
  reason         jsonb NOT NULL
);
CREATE INDEX unsupplied_remainder_geom_gix ON analysis.unsupplied_remainder USING gist (geom);
CREATE INDEX unsupplied_remainder_cluster_idx ON analysis.unsupplied_remainder (cluster_code);

-- 未供即用 found by remote sensing: the part of a construction change on land no contract covers.
CREATE TABLE analysis.unsupplied_use (
  change_id    bigint PRIMARY KEY,
  county_code  char(6),
  cluster_code text,
  area_m2      numeric(16,2) NOT NULL,
  geom         geometry(MultiPolygon, 4490) NOT NULL,
  reason       jsonb NOT NULL
);
CREATE INDEX unsupplied_use_geom_gix ON analysis.unsupplied_use USING gist (geom);

-- Serialises refreshes of the same keys across concurrent transactions, so that the refresh of
-- the later one sees the earlier one's committed writes (READ COMMITTED takes a new snapshot per
-- statement). Large sets take one exclusive lock instead of one lock per key.
CREATE FUNCTION analysis.lock_for_refresh(ns integer, ids bigint[]) RETURNS void
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

CREATE FUNCTION analysis.refresh_parcels(ids bigint[]) RETURNS integer
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  snap date;
  n integer;
BEGIN
  SELECT as_of INTO snap FROM analysis.snapshot;
  IF snap IS NULL OR ids IS NULL OR cardinality(ids) = 0 THEN RETURN 0; END IF;
  PERFORM analysis.lock_for_refresh(1, ids);
  DELETE FROM analysis.parcel_status WHERE parcel_id = ANY(ids);
  INSERT INTO analysis.parcel_status
    (parcel_id, rule, classification, county_code, cluster_code, inefficient_type, stage, suspended, area_m2, reason)
  SELECT f.parcel_id, f.rule, f.classification, f.county_code, f.cluster_code, f.inefficient_type, f.stage,
         f.suspended, f.area_m2, f.reason
  FROM analysis.findings(snap, ids) f
  ON CONFLICT (parcel_id, rule) DO UPDATE SET
    classification = EXCLUDED.classification, county_code = EXCLUDED.county_code,
    cluster_code = EXCLUDED.cluster_code, inefficient_type = EXCLUDED.inefficient_type,
    stage = EXCLUDED.stage, suspended = EXCLUDED.suspended, area_m2 = EXCLUDED.area_m2, reason = EXCLUDED.reason;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.refresh_parcels(bigint[]) IS 'recomputes the materialised findings of these parcels at the snapshot date; no-op before the first full recompute';

CREATE FUNCTION analysis.refresh_batches(ids bigint[]) RETURNS integer
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  snap date;
  n integer;
BEGIN
  SELECT as_of INTO snap FROM analysis.snapshot;
  IF snap IS NULL OR ids IS NULL OR cardinality(ids) = 0 THEN RETURN 0; END IF;
  PERFORM analysis.lock_for_refresh(2, ids);
  DELETE FROM analysis.unsupplied_remainder WHERE batch_id = ANY(ids);
  INSERT INTO analysis.unsupplied_remainder
  SELECT u.batch_id, u.approval_no, u.county_code, u.cluster_code, u.approved_on, u.old_stock, u.batch_m2,
         u.supplied_m2, u.remainder_m2, u.remainder_mu, u.sliver_count, u.sliver_m2, u.digestion_rate, u.geom, u.reason
  FROM analysis.unsupplied(snap, ids) u
  ON CONFLICT (batch_id) DO UPDATE SET
    approval_no = EXCLUDED.approval_no, county_code = EXCLUDED.county_code, cluster_code = EXCLUDED.cluster_code,
    approved_on = EXCLUDED.approved_on, old_stock = EXCLUDED.old_stock, batch_m2 = EXCLUDED.batch_m2,
    supplied_m2 = EXCLUDED.supplied_m2, remainder_m2 = EXCLUDED.remainder_m2, remainder_mu = EXCLUDED.remainder_mu,
    sliver_count = EXCLUDED.sliver_count, sliver_m2 = EXCLUDED.sliver_m2, digestion_rate = EXCLUDED.digestion_rate,
    geom = EXCLUDED.geom, reason = EXCLUDED.reason;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.refresh_batches(bigint[]) IS 'recomputes the materialised 批而未供 remainders of these batches at the snapshot date; no-op before the first full recompute';

CREATE FUNCTION analysis.refresh_changes(ids bigint[]) RETURNS integer
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  snap date;
  n integer;
BEGIN
  SELECT as_of INTO snap FROM analysis.snapshot;
  IF snap IS NULL OR ids IS NULL OR cardinality(ids) = 0 THEN RETURN 0; END IF;
  PERFORM analysis.lock_for_refresh(3, ids);
  DELETE FROM analysis.unsupplied_use WHERE change_id = ANY(ids);
  INSERT INTO analysis.unsupplied_use (change_id, county_code, cluster_code, area_m2, geom, reason)
  SELECT c.change_id, c.county_code, c.cluster_code, c.area_m2, c.geom, c.reason
  FROM analysis.used_before_supply_changes(snap, ids) c
  ON CONFLICT (change_id) DO UPDATE SET county_code = EXCLUDED.county_code, cluster_code = EXCLUDED.cluster_code,
    area_m2 = EXCLUDED.area_m2, geom = EXCLUDED.geom, reason = EXCLUDED.reason;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.refresh_changes(bigint[]) IS 'recomputes the materialised 未供即用 change polygons of these remote-sensing changes at the snapshot date';

-- Full recompute (admin): every parcel, batch and change at one date; reports its duration.
CREATE FUNCTION analysis.refresh_all(as_of date DEFAULT current_date) RETURNS jsonb
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  np integer; nb integer; nc integer;
  ms integer;
BEGIN
  PERFORM pg_advisory_xact_lock(4103300, 0);
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
COMMENT ON FUNCTION analysis.refresh_all(date) IS 'recomputes every materialised analysis result at a date (default today) and makes it the snapshot; returns counts and duration_ms';

-- Freshness (issue 5 §8): statement-level triggers collect the keys an edit touches and refresh
-- only those, in the edit's own transaction. Nothing runs before the first full recompute.
CREATE FUNCTION analysis.touch(parcel_ids bigint[], batch_ids bigint[], change_ids bigint[]) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM analysis.refresh_parcels(ARRAY(SELECT DISTINCT x FROM unnest(parcel_ids) x WHERE x IS NOT NULL));
  PERFORM analysis.refresh_batches(ARRAY(SELECT DISTINCT x FROM unnest(batch_ids) x WHERE x IS NOT NULL));
  PERFORM analysis.refresh_changes(ARRAY(SELECT DISTINCT x FROM unnest(change_ids) x WHERE x IS NOT NULL));
END $$;
COMMENT ON FUNCTION analysis.touch(bigint[], bigint[], bigint[]) IS 'refreshes the materialised results of the given parcels, batches and changes';

-- Batches and changes whose supplied cover depends on these parcels' geometry.
CREATE FUNCTION analysis.touch_parcel_cover(parcel_ids bigint[], geoms geometry[]) RETURNS void
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

CREATE FUNCTION analysis.on_parcel_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  geoms geometry[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN RETURN NULL; END IF;
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

-- Rows that carry a parcel_id: contracts (also change the supplied cover), events, flags.
CREATE FUNCTION analysis.on_parcel_row_change() RETURNS trigger
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

CREATE FUNCTION analysis.on_indicator_change() RETURNS trigger
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
CREATE FUNCTION analysis.on_enterprise_change() RETURNS trigger
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

CREATE FUNCTION analysis.on_batch_change() RETURNS trigger
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
CREATE FUNCTION analysis.on_change_change() RETURNS trigger
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
CREATE FUNCTION analysis.on_plan_change() RETURNS trigger
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
CREATE FUNCTION analysis.on_rule_change() RETURNS trigger
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

DO $$
DECLARE
  t record;
  op text;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('parcel', 'analysis.on_parcel_change'),
      ('supply_contract', 'analysis.on_parcel_row_change'),
      ('development_event', 'analysis.on_parcel_row_change'),
      ('parcel_flag', 'analysis.on_parcel_row_change'),
      ('contract_indicator', 'analysis.on_indicator_change'),
      ('enterprise', 'analysis.on_enterprise_change'),
      ('enterprise_year', 'analysis.on_enterprise_change'),
      ('approval_batch', 'analysis.on_batch_change'),
      ('rs_change', 'analysis.on_change_change'),
      ('plan_zone', 'analysis.on_plan_change'),
      ('cluster', 'analysis.on_plan_change'),
      ('county_rule', 'analysis.on_rule_change')) AS v(tbl, fn)
  LOOP
    FOREACH op IN ARRAY ARRAY['insert','update','delete'] LOOP
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION %s()',
        t.tbl || '_analysis_' || op, upper(op), t.tbl,
        CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows'
                WHEN 'delete' THEN 'OLD TABLE AS old_rows'
                ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END,
        t.fn);
    END LOOP;
  END LOOP;
END $$;

COMMENT ON FUNCTION analysis.on_parcel_change() IS 'freshness trigger on parcel: refreshes the parcels, and the batches and changes their old or new shapes meet';
COMMENT ON FUNCTION analysis.on_parcel_row_change() IS 'freshness trigger on supply_contract, development_event, parcel_flag: refreshes the parcels (and for contracts, the batches and changes they cover)';
COMMENT ON FUNCTION analysis.on_indicator_change() IS 'freshness trigger on contract_indicator: refreshes the parcels of the contracts';
COMMENT ON FUNCTION analysis.on_enterprise_change() IS 'freshness trigger on enterprise and enterprise_year: refreshes the parcels the enterprise holds by contract';
COMMENT ON FUNCTION analysis.on_batch_change() IS 'freshness trigger on approval_batch: refreshes the batches';
COMMENT ON FUNCTION analysis.on_change_change() IS 'freshness trigger on rs_change: refreshes the changes and the parcels they meet';
COMMENT ON FUNCTION analysis.on_plan_change() IS 'freshness trigger on plan_zone and cluster: refreshes the parcels they meet or hold, and for a boundary the changes it meets';
COMMENT ON FUNCTION analysis.on_rule_change() IS 'freshness trigger on county_rule: refreshes everything in the county (the whole city for a city-wide row)';
