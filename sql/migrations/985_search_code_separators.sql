/* A code found with or without its separators: "410311-2019-001", "4103112019001" and
   "410311 2019 001" find the same parcels (the parcel code, 宗地编号, or the number of one of its
   contracts, 合同编号, written as the county's ledger writes it or as a surveyor types it from a
   paper file). search_code() folds a code as search_norm() of 100 does (NFKC, lower case) and
   drops the separators people put in codes (white space, - _ / . · and the dashes); a trigram index
   on it keeps the match an index scan. It calls built-in (pg_catalog) functions only, so that
   pg_restore, which runs with an empty search_path, can rebuild the index (see 840). */
CREATE FUNCTION search_code(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(lower(normalize(s, NFKC)), '[[:space:]_./·‐‑–—-]+', '', 'g')
$$;
COMMENT ON FUNCTION search_code(text) IS 'a code folded for search: NFKC, lower case, without white space and the separators - _ / . · and dashes';

/* The parcels of a scope (NULL: every county) whose code or a contract number holds the query
   once its separators are dropped: the words of a search read as one code. Empty when the folded
   query has no digit (a name, or a code's letters alone, is not read as a code). */
CREATE FUNCTION parcel_code_match(query text, scope text[]) RETURNS TABLE (parcel_id bigint)
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH q AS (
    SELECT '%' || replace(replace(search_code(query), '\', '\\'), '%', '\%') || '%' AS pattern
     WHERE search_code(query) ~ '[0-9]'
  )
  SELECT p.id FROM q, parcel p
   WHERE search_code(p.code) LIKE q.pattern AND (scope IS NULL OR p.county_code = ANY(scope))
  UNION
  SELECT c.parcel_id FROM q, supply_contract c
   WHERE search_code(c.contract_no) LIKE q.pattern AND (scope IS NULL OR c.county_code = ANY(scope))
$$;
COMMENT ON FUNCTION parcel_code_match(text, text[]) IS
  'ids of the parcels of a scope whose code or contract number holds the query read as one code (separators dropped)';

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX parcel_code_compact_trgm ON parcel USING gin (search_code(code) gin_trgm_ops);
    CREATE INDEX supply_contract_no_compact_trgm ON supply_contract USING gin (search_code(contract_no) gin_trgm_ops);
  ELSE
    RAISE NOTICE 'pg_trgm is not installed: the code search runs without a trigram index';
  END IF;
END $$;
