/* How many uploads a previous process left mid-way (receiving, validating, committing): they are
   marked failed with the reason, and their staged rows dropped. A commit interrupted so had not
   committed: it ran in one transaction, which the server rolled back when the connection died. */
WITH failed AS (
  UPDATE upload SET status = 'failed', phase = 'failed', updated_at = now(),
         error = jsonb_build_object('code', 'upload_interrupted', 'message', ${message} || ' (' || status || ')')
  WHERE status IN ('receiving','validating','committing')
  RETURNING id
), f AS (
  DELETE FROM upload_feature WHERE upload_id IN (SELECT id FROM failed)
), i AS (
  DELETE FROM upload_issue WHERE upload_id IN (SELECT id FROM failed)
)
SELECT count(*)::int AS n FROM failed
