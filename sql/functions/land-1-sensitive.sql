/* Sensitive values: one list, one redaction, one write guard (DOMAIN.md "Governance": enterprise
   tax, output and price are never public, and never shown to roles outside sensitiveRoles).
   sensitive_keys() and redact_sensitive() were first created by migration 100; they are defined
   here, re-created at every start like the rules, so that this file is where they are read. */

CREATE OR REPLACE FUNCTION sensitive_keys() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['price_wan','tax_paid_wan','tax_refund_wan','output_wan','value_added_wan','energy_tce',
               'employment','profit_wan','rating','tax_per_mu','output_per_mu','output_intensity']
$$;
COMMENT ON FUNCTION sensitive_keys() IS 'keys of tax, output, price and other enterprise figures hidden from roles outside sensitiveRoles';

CREATE OR REPLACE FUNCTION redact_sensitive(v jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN v IS NULL OR jsonb_typeof(v) <> 'object' THEN v
    WHEN jsonb_typeof(v->'measured') = 'object' THEN
      jsonb_set(v - sensitive_keys(), '{measured}', (v->'measured') - sensitive_keys())
    ELSE v - sensitive_keys()
  END
$$;
COMMENT ON FUNCTION redact_sensitive(jsonb) IS 'a record without its sensitive keys (and those of its measured values)';

/* The sensitive keys a written value carries: its own, and those of its "measured" values
   (acceptance checks, standard-land checks), named 'measured.<key>'. */
CREATE OR REPLACE FUNCTION sensitive_keys_of(v jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v IS NULL OR jsonb_typeof(v) <> 'object' THEN '{}'::text[] ELSE array(
    SELECT k FROM jsonb_object_keys(v) AS k WHERE k = ANY(sensitive_keys())
    UNION ALL
    SELECT 'measured.' || k
      FROM jsonb_object_keys(CASE WHEN jsonb_typeof(v->'measured') = 'object' THEN v->'measured' ELSE '{}'::jsonb END) AS k
     WHERE k = ANY(sensitive_keys())
  ) END
$$;
COMMENT ON FUNCTION sensitive_keys_of(jsonb) IS 'the keys of a value (and of its measured values, as measured.<key>) that only sensitive roles may see or write';

/* The write guard: every write of user-entered values passes them through it, in the transaction
   whose writer server/db/actor.ts setActor() named. A writer that may not see sensitive values
   (onemap.sensitive = 'off') may not write them either: SQLSTATE 42501, the field in DETAIL. System
   writers (the scheduler, the import CLI) and sessions that named no writer are not refused. */
CREATE OR REPLACE FUNCTION guard_sensitive_write(v jsonb) RETURNS void
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  keys text[];
BEGIN
  IF coalesce(current_setting('onemap.sensitive', true), '') <> 'off' THEN RETURN; END IF;
  keys := sensitive_keys_of(v);
  IF cardinality(keys) > 0 THEN
    RAISE EXCEPTION 'the writer may not write the sensitive value %', keys[1]
      USING ERRCODE = 'insufficient_privilege', DETAIL = keys[1];
  END IF;
END
$$;
COMMENT ON FUNCTION guard_sensitive_write(jsonb) IS
  'refuses (42501, field in DETAIL) a value carrying sensitive keys when the transaction''s writer may not see them (onemap.sensitive = off)';
