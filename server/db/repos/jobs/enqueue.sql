/* The queued job (id, and whether this call made it): a slot already scheduled (${dedupeKey}) is not made twice. */
WITH made AS (
  INSERT INTO job (kind, dedupe_key, payload, max_attempts, created_by, message)
  VALUES (${kind}, ${dedupeKey}, ${payload}::jsonb, ${maxAttempts}, ${createdBy}, ${message})
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id
)
SELECT id, true AS created FROM made
UNION ALL
SELECT id, false FROM job WHERE dedupe_key = ${dedupeKey} AND NOT EXISTS (SELECT 1 FROM made)
