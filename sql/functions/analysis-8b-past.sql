/* 批而未供 remainders at the earlier dates the progress figures measure against, stored per batch
   (tables: sql/migrations/1070_unsupplied_past.sql and 1030_unsupplied_past_kept.sql; read by
   analysis.unsupplied_past_at in analysis-8-summary.sql). The targets of §一(二)1–2 compare the
   stock now with the stock at the baseline date (the unsupplied_baseline_date rule) and at the end
   of the year before (30% a year, the year-start date of analysis.summary and
   governance.progress); overlaying those past remainders again at every dashboard request took
   seconds, growing with the batches.

   Freshness: a past remainder (analysis.unsupplied at that date) depends on the batch (shape,
   approval date, county), the parcels it meets (shape, retirement), their contracts (signed and
   terminated dates, however far back), the county's rules at that date, and the code. Every edit
   of that data already refreshes the batch's remainder at the snapshot date through
   analysis.materialise(2, …) (the triggers of analysis-9-refresh.sql: batch, parcel and deferred
   parcel queue, contract, rule), which calls store_unsupplied_past for the same batches. So the
   stored dates stay fresh for any as_of, and a full recompute keeps them
   (analysis.keep_unsupplied_past) unless a guard says otherwise: a write the triggers did not see
   (analysis.unsupplied_past_unsure), or other code (analysis.unsupplied_past_definition). A date
   the recompute could not keep is stored by the follow-on step (store_unsupplied_past with no ids,
   its own transaction right after the recompute's); until then, and for any date not stored, the
   summary computes it live. */

-- The guards' own functions, analysis.unsupplied_past_definition (the code fingerprint) and
-- analysis.unsupplied_past_trusted, are in analysis-8-summary.sql, before the summary that reads
-- them (a SQL function's body is checked against the functions that exist when it is created).

-- The function of migration 1030's ENABLE ALWAYS triggers on the tables a past remainder reads.
-- This definition is the one that runs, and the one to change: the migration had to create the
-- function as well (CREATE TRIGGER needs it to exist), and this file replaces it at every start,
-- right after the migrations and in their transaction (server/db/migrate.ts): once a start is
-- done only this body runs (the migration's copy, the same body, could run only for a later
-- migration's own writes to those tables in that transaction). The migration keeps its copy: it
-- is frozen once applied (its checksum is checked at every start).
CREATE OR REPLACE FUNCTION analysis.on_unguarded_write() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' OR current_setting('session_replication_role') = 'replica'
     OR NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN
    INSERT INTO analysis.unsupplied_past_unsure (source)
    SELECT TG_TABLE_NAME || ' ' || lower(TG_OP) WHERE NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_unsure);
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION analysis.on_unguarded_write() IS
  'marks the stored past 批而未供 remainders unsure after a write the freshness triggers do not see (replica role, TRUNCATE, no snapshot yet)';

-- The earlier dates a summary at as_of reads: the baseline and the end of the previous year
-- (the stock "at 1 January"), those not after as_of.
CREATE OR REPLACE FUNCTION analysis.unsupplied_past_dates(as_of date) RETURNS date[]
  LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(DISTINCT d ORDER BY d) FILTER (WHERE d <= $1), '{}')
  FROM analysis.rules_at($1) cr
  CROSS JOIN LATERAL unnest(ARRAY[analysis.rule_date(cr.rules, 'unsupplied_baseline_date'),
                                  make_date(extract(year FROM $1)::integer - 1, 12, 31)]) d
  WHERE cr.county_code IS NULL
$$;
COMMENT ON FUNCTION analysis.unsupplied_past_dates(date) IS
  'the earlier dates whose 批而未供 remainders the summary and progress at as_of compare with: the baseline date and the end of the previous year, those not after as_of';

-- Does the snapshot (as_of NULL: whichever it is) lack a stored date it needs? Not while an
-- unguarded write is unsure: nothing is stored then until the next full recompute.
CREATE OR REPLACE FUNCTION analysis.unsupplied_past_missing(as_of date DEFAULT NULL) RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT coalesce(bool_or(NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_date pd WHERE pd.since = d)
                          OR NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_code c WHERE c.definition = (SELECT analysis.unsupplied_past_definition()))), false)
     AND NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_unsure)
  FROM analysis.snapshot s CROSS JOIN LATERAL unnest(analysis.unsupplied_past_dates(coalesce($1, s.as_of))) d
$$;
COMMENT ON FUNCTION analysis.unsupplied_past_missing(date) IS
  'true when the snapshot needs a past 批而未供 remainder date that is not stored (what store_unsupplied_past with no ids would store)';

-- ids NULL, the follow-on of a full recompute (its own transaction, right after it: the recompute
-- is not held up by it, and the summary computes these dates live meanwhile): store the dates of
-- the snapshot date that are not stored yet, for every batch (as_of: NULL or the snapshot date,
-- else an error; nothing to do, and no lock taken, when none is missing). Only the batches
-- whose remainder may have changed since a date are overlaid again, the others keep their
-- remainder at as_of from analysis.unsupplied_remainder (analysis.unsupplied_changed_ids says
-- which). Under the exclusive refresh lock, as the recompute, so that no keyed refresh of a batch
-- commits in between unseen. Nothing is stored while an unguarded write is unsure (the next full
-- recompute starts again).
-- ids given (a keyed refresh, under its locks): recompute these batches at every stored date; a
-- deleted batch, or one approved after a date, leaves no row there.
CREATE OR REPLACE FUNCTION analysis.store_unsupplied_past(as_of date, ids bigint[] DEFAULT NULL) RETURNS integer
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  d date;
  changed bigint[];
  n integer := 0;
  k integer;
  code text;
  snap date;
BEGIN
  IF ids IS NULL THEN
    IF NOT analysis.unsupplied_past_missing(as_of) THEN RETURN 0; END IF;
    -- as analysis.refresh_all: the migration lock shared first, then the refresh lock
    PERFORM pg_advisory_xact_lock_shared(4103000001);
    PERFORM pg_advisory_xact_lock(4103300, 0);
    snap := (SELECT s.as_of FROM analysis.snapshot s);
    IF as_of IS NOT NULL AND as_of IS DISTINCT FROM snap THEN
      RAISE EXCEPTION 'the past 批而未供 remainders are stored for the snapshot date (%), not %', snap, as_of;
    END IF;
    IF NOT analysis.unsupplied_past_missing(snap) THEN RETURN 0; END IF;
    code := analysis.unsupplied_past_definition();
    IF NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_code c WHERE c.definition = code) THEN
      -- other code than the stored rows': none of them is kept
      TRUNCATE analysis.unsupplied_past, analysis.unsupplied_past_date;
      INSERT INTO analysis.unsupplied_past_code (definition) VALUES (code)
        ON CONFLICT (singleton) DO UPDATE SET definition = EXCLUDED.definition;
    END IF;
    FOREACH d IN ARRAY analysis.unsupplied_past_dates(snap) LOOP
      CONTINUE WHEN EXISTS (SELECT 1 FROM analysis.unsupplied_past_date pd WHERE pd.since = d);
      INSERT INTO analysis.unsupplied_past_date (since, stored_for) VALUES (d, snap);
      changed := analysis.unsupplied_changed_ids(d, snap);
      -- planned for its own dates and ids, once per store (not a cached generic plan)
      EXECUTE 'INSERT INTO analysis.unsupplied_past (batch_id, since, remainder_m2)
        SELECT r.batch_id, $1, r.remainder_m2 FROM analysis.unsupplied_remainder r
        WHERE r.approved_on <= $1 AND NOT EXISTS (SELECT 1 FROM unnest($2) c(id) WHERE c.id = r.batch_id)
        UNION ALL
        SELECT u.batch_id, $1, u.remainder_m2 FROM analysis.unsupplied($1, $2) u' USING d, changed;
      GET DIAGNOSTICS k = ROW_COUNT;
      n := n + k;
    END LOOP;
    RETURN n;
  END IF;
  IF cardinality(ids) = 0 THEN RETURN 0; END IF;
  DELETE FROM analysis.unsupplied_past p WHERE p.batch_id = ANY(ids);
  FOR d IN SELECT pd.since FROM analysis.unsupplied_past_date pd ORDER BY pd.since LOOP
    INSERT INTO analysis.unsupplied_past (batch_id, since, remainder_m2)
    SELECT u.batch_id, d, u.remainder_m2 FROM analysis.unsupplied(d, ids) u;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
  END LOOP;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.store_unsupplied_past(date, bigint[]) IS
  'stores the 批而未供 remainders at the earlier dates of the summary: the dates of the snapshot date not stored yet, for every batch (ids NULL: the follow-on of a full recompute), or these batches at every stored date; returns the rows written';

-- The full recompute's part (analysis.refresh_all, under its locks, after it has filled
-- analysis.unsupplied_remainder): the stored dates are kept when no unguarded write was made since
-- the last recompute and the code is the same, less the dates as_of no longer needs, and with the
-- batches a deferred write had queued (`queued`, taken before the recompute emptied the queue)
-- computed again at each; else none is kept. Returns the dates as_of needs that are not stored:
-- the follow-on step (store_unsupplied_past(as_of)) stores them.
CREATE OR REPLACE FUNCTION analysis.keep_unsupplied_past(as_of date, queued bigint[]) RETURNS date[]
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  unsure boolean;
  code text := analysis.unsupplied_past_definition();
  needed date[] := analysis.unsupplied_past_dates(as_of);
  mode text := current_setting('plan_cache_mode');
BEGIN
  -- A marker of a write not committed yet is not seen here, and stays for the next recompute.
  WITH gone AS (DELETE FROM analysis.unsupplied_past_unsure RETURNING 1) SELECT count(*) > 0 INTO unsure FROM gone;
  IF unsure OR NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_code c WHERE c.definition = code) THEN
    TRUNCATE analysis.unsupplied_past, analysis.unsupplied_past_date;
    INSERT INTO analysis.unsupplied_past_code (definition) VALUES (code)
      ON CONFLICT (singleton) DO UPDATE SET definition = EXCLUDED.definition;
  ELSE
    DELETE FROM analysis.unsupplied_past_date pd WHERE pd.since <> ALL(needed);
    DELETE FROM analysis.unsupplied_past p WHERE p.since <> ALL(needed);
    UPDATE analysis.unsupplied_past_date SET stored_for = as_of;
    IF cardinality(queued) > 0 THEN
      -- a plan for these ids (see analysis.touch)
      PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
      PERFORM analysis.store_unsupplied_past(as_of, queued);
      PERFORM set_config('plan_cache_mode', mode, true);
    END IF;
  END IF;
  RETURN ARRAY(SELECT x FROM unnest(needed) x
               WHERE NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_date pd WHERE pd.since = x) ORDER BY x);
END $$;
COMMENT ON FUNCTION analysis.keep_unsupplied_past(date, bigint[]) IS
  'the full recompute keeps the stored past 批而未供 remainders when the guards allow (refreshing the queued batches), else drops them; returns the dates of as_of left to store';
