/* 批而未供 remainders at the earlier dates the progress figures measure against, stored per batch
   (tables: sql/migrations/1070_unsupplied_past.sql; read by analysis.unsupplied_past_at in
   analysis-8-summary.sql). The targets of §一(二)1–2 compare the stock now with the stock at the
   baseline date (the unsupplied_baseline_date rule) and at the end of the year before (30% a year,
   the year-start date of analysis.summary and governance.progress); overlaying those past
   remainders again at every dashboard request took seconds, growing with the batches.

   Freshness: a past remainder (analysis.unsupplied at that date) depends on the batch (shape,
   approval date, county), the parcels it meets (shape, retirement), their contracts (signed and
   terminated dates, however far back) and the county's rules at that date. Every one of those
   edits already refreshes the batch's remainder at the snapshot date through
   analysis.materialise(2, …) (the triggers of analysis-9-refresh.sql: batch, parcel and deferred
   parcel queue, contract, rule), which calls store_unsupplied_past for the same batches; the full
   recompute (analysis.refresh_all) calls it for all. So the stored dates are always fresh, for any
   as_of, and a date the snapshot does not store is computed live. */

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

-- ids NULL (the full recompute, after it has filled analysis.unsupplied_remainder at as_of): store
-- the dates of as_of for every batch; only the batches whose remainder may have changed since a
-- date are overlaid again, the others keep the remainder at as_of (analysis.unsupplied_changed_ids
-- says which). ids given (a keyed refresh, under its locks): recompute these batches at every
-- stored date; a deleted batch, or one approved after a date, leaves no row there.
CREATE OR REPLACE FUNCTION analysis.store_unsupplied_past(as_of date, ids bigint[] DEFAULT NULL) RETURNS integer
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  d date;
  changed bigint[];
  n integer := 0;
  k integer;
BEGIN
  IF ids IS NULL THEN
    TRUNCATE analysis.unsupplied_past, analysis.unsupplied_past_date;
    FOREACH d IN ARRAY analysis.unsupplied_past_dates(as_of) LOOP
      INSERT INTO analysis.unsupplied_past_date (since, stored_for) VALUES (d, as_of);
      changed := analysis.unsupplied_changed_ids(d, as_of);
      -- planned for its own dates and ids, once per recompute (not a cached generic plan)
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
  'stores the 批而未供 remainders at the earlier dates of the summary: all (ids NULL, the full recompute at as_of, after analysis.unsupplied_remainder) or these batches at every stored date; returns the rows written';
