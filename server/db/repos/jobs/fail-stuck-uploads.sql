/* Uploads left mid-way (receiving, validating, committing) with no upload job open to carry them on
   and untouched for ${graceMs} ms: the process that made the row died before it queued the row's
   job (the staging job is made after the file is opened and its fields are mapped). Each of these
   statuses may move to failed (upload_transitions(), enforced by upload_status_guard); the reason
   is ${message}, and their staged rows are dropped. How many. */
WITH stuck AS (
  UPDATE upload u SET status = 'failed', phase = 'failed', updated_at = now(),
         error = jsonb_build_object('code', 'upload_interrupted', 'message', ${message}::text)
   WHERE u.status IN ('receiving', 'validating', 'committing')
     AND u.updated_at < now() - make_interval(secs => ${graceMs} / 1000.0)
     AND NOT EXISTS (SELECT 1 FROM job j
                      WHERE j.kind = 'upload' AND j.state IN ('queued', 'running') AND j.payload->>'upload' = u.id::text)
  RETURNING u.id
), staged AS (DELETE FROM upload_feature WHERE upload_id IN (SELECT id FROM stuck)),
   issues AS (DELETE FROM upload_issue WHERE upload_id IN (SELECT id FROM stuck))
SELECT count(*)::int AS n FROM stuck
