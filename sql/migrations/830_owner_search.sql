/* 权利人 (parcel.owner_name, added by 200 and written by every parcel upload) found by the parcel
   search like an enterprise name: a trigram index on its folded text, and the search function of
   100 with the owner as one more place a token may match. The owner may be a natural person, so it
   is personal data (DOMAIN.md "Governance": never public): it is shown to the signed-in roles that
   see the card, never in the public disclosure or the public tiles (README, "The owner"). */

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX parcel_owner_trgm ON parcel USING gin (search_norm(owner_name) gin_trgm_ops);
  ELSE
    RAISE NOTICE 'pg_trgm is not installed: the owner search runs without a trigram index';
  END IF;
END $$;

-- Replaces the function of 100 (same signature, same callers): the owner is one more branch.
CREATE OR REPLACE FUNCTION parcel_search_match(token text) RETURNS TABLE (parcel_id bigint)
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT p.id FROM parcel p WHERE search_norm(p.code) LIKE search_pattern(token)
  UNION
  SELECT p.id FROM parcel p WHERE search_norm(p.owner_name) LIKE search_pattern(token)
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
  'ids of parcels whose code, owner (权利人), contract number, land user or tenant (name or credit code) contain the token';
