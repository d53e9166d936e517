/* One card and one file per parcel (一宗一卡, 一地一档): text search that treats Chinese
   sensibly, the redaction of sensitive values, the 形成原因 column of the disposal ledger, and the
   indexes the card, the file and the search need. */

-- Search text: NFKC folds full-width letters, digits and brackets (（洛阳）→ (洛阳)), lower() folds
-- Latin case, and white space is dropped, so that "洛阳 一拖" typed with a space, a full-width
-- "ＬＹ" or a half-width bracket still finds the enterprise as the tax bureau spelled it.
CREATE FUNCTION search_norm(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT regexp_replace(lower(normalize(s, NFKC)), '\s+', '', 'g') $$;
COMMENT ON FUNCTION search_norm(text) IS 'text folded for substring search: NFKC, lower case, no white space';

-- A search token as a LIKE pattern that matches it anywhere, its own % and _ taken literally.
CREATE FUNCTION search_pattern(token text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '%' || replace(replace(replace(search_norm(token), '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;
COMMENT ON FUNCTION search_pattern(text) IS 'a search token as a LIKE pattern matching it anywhere (wildcards escaped)';

/* Substring search needs pg_trgm to be fast: a GIN trigram index answers LIKE '%…%' for patterns of
   three characters or more, Chinese included (PostgreSQL hashes multibyte trigrams; checked on
   PostgreSQL 15 with the C.UTF-8 locale: '%一拖集%' is a bitmap index scan). PostgreSQL 15 ships
   pg_trgm in contrib; the embedded PGlite has it only when the process loads it
   (@electric-sql/pglite/contrib/pg_trgm), which server/db/embedded.ts does not do today. So the
   extension and the indexes are created when available; without them the same queries run as
   sequential scans with the same results, which is fine at the embedded database's size. */
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'pg_trgm is available but this user may not create it: text search runs without trigram indexes';
      RETURN;
    END;
    CREATE INDEX parcel_code_trgm ON parcel USING gin (search_norm(code) gin_trgm_ops);
    CREATE INDEX supply_contract_no_trgm ON supply_contract USING gin (search_norm(contract_no) gin_trgm_ops);
    CREATE INDEX enterprise_name_trgm ON enterprise USING gin (search_norm(name) gin_trgm_ops);
    CREATE INDEX approval_batch_text_trgm ON approval_batch
      USING gin (search_norm(approval_no || ' ' || coalesce(name, '')) gin_trgm_ops);
  ELSE
    RAISE NOTICE 'pg_trgm is not available: text search runs without trigram indexes';
  END IF;
END $$;

CREATE INDEX lease_tenant_idx ON lease (tenant_code);
CREATE INDEX alert_parcel_idx ON alert (parcel_id);

/* Parcel ids whose code, supply-contract number, land user or tenant contain one search token
   (enterprise by name, or by 统一社会信用代码 prefix of six characters or more, so that a short
   number does not match every code). The search intersects the sets of all tokens. */
CREATE FUNCTION parcel_search_match(token text) RETURNS TABLE (parcel_id bigint)
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT p.id FROM parcel p WHERE search_norm(p.code) LIKE search_pattern(token)
  UNION
  SELECT c.parcel_id FROM supply_contract c WHERE search_norm(c.contract_no) LIKE search_pattern(token)
  UNION
  SELECT c.parcel_id FROM supply_contract c JOIN enterprise e ON e.credit_code = c.land_user_code
   WHERE search_norm(e.name) LIKE search_pattern(token)
      OR (length(search_norm(token)) >= 6 AND e.credit_code LIKE upper(substr(search_pattern(token), 2)))
  UNION
  SELECT l.parcel_id FROM lease l JOIN enterprise e ON e.credit_code = l.tenant_code
   WHERE search_norm(e.name) LIKE search_pattern(token)
      OR (length(search_norm(token)) >= 6 AND e.credit_code LIKE upper(substr(search_pattern(token), 2)))
$$;
COMMENT ON FUNCTION parcel_search_match(text) IS
  'ids of parcels whose code, contract number, land user or tenant (name or credit code) contain the token';

/* Values that only app.config.sensitiveRoles may see (DOMAIN.md "Governance": enterprise tax,
   output and price are never public; issue 4: never to surveyors either). One list, used by the
   card, the file (the event log keeps these values) and the exports. Acceptance checks keep their
   measured values in development_event.measured, where tax and output per mu are redacted too. */
CREATE FUNCTION sensitive_keys() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['price_wan','tax_paid_wan','tax_refund_wan','output_wan','value_added_wan','energy_tce',
               'employment','profit_wan','rating','tax_per_mu','output_per_mu','output_intensity']
$$;
COMMENT ON FUNCTION sensitive_keys() IS 'keys of tax, output, price and other enterprise figures hidden from roles outside sensitiveRoles';

CREATE FUNCTION redact_sensitive(v jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN v IS NULL OR jsonb_typeof(v) <> 'object' THEN v
    WHEN jsonb_typeof(v->'measured') = 'object' THEN
      jsonb_set(v - sensitive_keys(), '{measured}', (v->'measured') - sensitive_keys())
    ELSE v - sensitive_keys()
  END
$$;
COMMENT ON FUNCTION redact_sensitive(jsonb) IS 'a record without its sensitive keys (and those of its measured values)';

-- The working day in Luoyang decides what is overdue, whatever the server's time zone.
CREATE FUNCTION luoyang_today() RETURNS date
  LANGUAGE sql STABLE AS $$ SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date $$;
COMMENT ON FUNCTION luoyang_today() IS 'today''s date in China Standard Time';

-- 工作台账 elements, annex 3 art. 6: 地块基本信息、形成原因、处置措施、完成时限、责任单位.
-- 001 has all but the cause.
ALTER TABLE disposal_ledger ADD COLUMN cause text;
ALTER TABLE disposal_ledger ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX disposal_ledger_open_idx ON disposal_ledger (deadline) WHERE completed_on IS NULL;

-- contract_indicator has no id of its own, so its events carry entity_id ''; a parcel's file finds
-- them through the contract they belong to.
CREATE INDEX event_log_indicator_contract_idx ON event_log (((coalesce(new_value, old_value)->>'contract_id')::bigint))
  WHERE entity = 'contract_indicator';
