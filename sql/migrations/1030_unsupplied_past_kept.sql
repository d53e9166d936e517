-- The stored 批而未供 remainders at the earlier dates of the summary (analysis.unsupplied_past,
-- sql/functions/analysis-8b-past.sql) are kept across full recomputes: a past remainder depends
-- only on the data and the code that computes it, and every edit of that data already refreshes
-- the batches it meets through the freshness triggers. These two guards say when they cannot be
-- kept. (Independent of migration 1070's tables, which a fresh database creates after this one.)

-- The code that computed the stored remainders (analysis.unsupplied_past_definition()): a code
-- upgrade (a new analysis.unsupplied, sliver rule, area function, PostGIS or GEOS) drops them all.
CREATE TABLE analysis.unsupplied_past_code (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  definition text NOT NULL
);
COMMENT ON TABLE analysis.unsupplied_past_code IS
  'fingerprint of the functions that computed the stored past 批而未供 remainders (analysis.unsupplied_past_definition)';

-- A write the freshness triggers did not see (session_replication_role = replica, as bulk loaders
-- run; TRUNCATE; any write before the first full recompute) leaves a row here: the stored
-- remainders are not read while one is present, and the next full recompute drops them. No key:
-- concurrent writers never wait for each other on it. (A county row read by the rules cannot
-- change a batch's remainder otherwise: the batch's foreign key keeps its county's code.)
CREATE TABLE analysis.unsupplied_past_unsure (
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  source text NOT NULL
);
COMMENT ON TABLE analysis.unsupplied_past_unsure IS
  'a write the analysis freshness triggers did not see since the last full recompute (the stored past 批而未供 remainders may be stale)';

-- Re-created with the same body by sql/functions/analysis-8b-past.sql at every start.
CREATE FUNCTION analysis.on_unguarded_write() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' OR current_setting('session_replication_role') = 'replica'
     OR NOT EXISTS (SELECT 1 FROM analysis.snapshot) THEN
    INSERT INTO analysis.unsupplied_past_unsure (source)
    SELECT TG_TABLE_NAME || ' ' || lower(TG_OP) WHERE NOT EXISTS (SELECT 1 FROM analysis.unsupplied_past_unsure);
  END IF;
  RETURN NULL;
END $$;

-- ENABLE ALWAYS: these fire under session_replication_role = replica too, where the freshness
-- triggers do not. The tables a past remainder reads (analysis.unsupplied, analysis.rules_at).
DO $$
DECLARE
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['parcel', 'supply_contract', 'approval_batch', 'county_rule', 'county'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH STATEMENT EXECUTE FUNCTION analysis.on_unguarded_write()',
      tbl || '_past_unsure', tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION analysis.on_unguarded_write()',
      tbl || '_past_unsure_truncate', tbl);
    EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER %I, ENABLE ALWAYS TRIGGER %I',
      tbl, tbl || '_past_unsure', tbl || '_past_unsure_truncate');
  END LOOP;
END $$;
