/* Sensitive values: one list, one redaction, one write guard (DOMAIN.md "Governance": enterprise
   tax, output and price are never public, and never shown to roles outside sensitiveRoles).
   sensitive_keys() and redact_sensitive() were first created by migration 100; they are defined
   here, re-created at every start like the rules, so that this file is where they are read. */

CREATE OR REPLACE FUNCTION sensitive_keys() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['price_wan','tax_paid_wan','tax_refund_wan','output_wan','value_added_wan','energy_tce',
               'employment','profit_wan','rating','tax_per_mu','output_per_mu','output_intensity',
               -- the governance reports' tax-per-mu section, indicator and figure (plan §四(三))
               'per_mu_tax','per_mu_attainment']
$$;
COMMENT ON FUNCTION sensitive_keys() IS 'keys of tax, output, price and other enterprise figures hidden from roles outside sensitiveRoles';

/* The one redaction: every JSON answer that carries a record, a finding's reason, an alert or a
   stored report passes it through here for a reader outside sensitiveRoles (DOMAIN.md
   "Governance"). At every depth:
   - a key of sensitive_keys() holding a number, text or list is left out;
   - one holding an object (a section of a report) keeps its place, withheld: a weighted indicator
     of the ranking keeps its weight (the weights are published rules) and shows no value, any
     other section says it is withheld;
   - a value marked "sensitive": true (a finding drawn from enterprise figures: profit, rating,
     output) keeps its label and basis, but not its measured values nor its test. */
CREATE OR REPLACE FUNCTION redact_sensitive_walk(v jsonb) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  r jsonb;
  k text;
BEGIN
  CASE jsonb_typeof(v)
  WHEN 'array' THEN
    RETURN (SELECT coalesce(jsonb_agg(redact_sensitive_walk(x) ORDER BY i), '[]'::jsonb)
            FROM jsonb_array_elements(v) WITH ORDINALITY AS a(x, i));
  WHEN 'object' THEN
    IF v -> 'sensitive' = 'true'::jsonb THEN
      v := (v - 'test') || jsonb_build_object('measured', '已隐藏 / hidden: enterprise figures');
    END IF;
    r := v - sensitive_keys();
    -- a record's values are mostly scalars: only its objects and lists are walked (a card's
    -- development event: its measured values), each once
    FOR k IN SELECT e.key FROM jsonb_each(v) AS e WHERE jsonb_typeof(e.value) IN ('object', 'array') LOOP
      IF NOT (k = ANY(sensitive_keys())) THEN
        r := jsonb_set(r, ARRAY[k], redact_sensitive_walk(v -> k));
      ELSIF v -> k ? 'weight' THEN
        r := r || jsonb_build_object(k, jsonb_build_object('value', NULL, 'left_out', 'withheld', 'weight', v -> k -> 'weight'));
      ELSIF jsonb_typeof(v -> k) = 'object' THEN
        r := r || jsonb_build_object(k, jsonb_build_object('withheld',
               '亩均税收等企业数据仅对有权查看企业数据的角色显示 / enterprise figures are shown only to roles that may see them'));
      END IF;
    END LOOP;
    RETURN r;
  ELSE
    RETURN v;
  END CASE;
END
$$;
COMMENT ON FUNCTION redact_sensitive_walk(jsonb) IS 'the walk of redact_sensitive(), for a value that carries something to redact';

-- Most values carry nothing to redact (a finding's reason, an alert's, a record without figures):
-- their text is searched once for a sensitive key or the marker, and they are returned as they are.
CREATE OR REPLACE FUNCTION redact_sensitive(v jsonb) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  t text;
BEGIN
  IF jsonb_typeof(v) NOT IN ('object', 'array') THEN RETURN v; END IF;
  t := v::text;
  IF strpos(t, '"sensitive": true') = 0
     AND NOT EXISTS (SELECT 1 FROM unnest(sensitive_keys()) AS k WHERE strpos(t, '"' || k || '": ') > 0) THEN
    RETURN v;
  END IF;
  RETURN redact_sensitive_walk(v);
END
$$;
COMMENT ON FUNCTION redact_sensitive(jsonb) IS
  'a value as a reader outside sensitiveRoles may see it: at every depth, keys of sensitive_keys() left out (a report section withheld in place), the measured values and test of a value marked sensitive withheld';

CREATE OR REPLACE FUNCTION redact_sensitive(v jsonb, shown boolean) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN shown THEN v ELSE redact_sensitive(v) END
$$;
COMMENT ON FUNCTION redact_sensitive(jsonb, boolean) IS 'the value whole when shown (the reader is in sensitiveRoles), else redact_sensitive(v)';

-- the analysis engine's own redaction, replaced by the one above
DROP FUNCTION IF EXISTS analysis.redact(jsonb, boolean);

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
