/* How many uploads a previous process left mid-way (receiving, validating, committing) with no
   open job to finish them (an upload job, migration 1010, is taken over by the next process that
   claims it): the staging of a received file runs in the process that received it, and dies with
   it. They are marked failed with the reason, and their staged rows dropped. */
WITH failed AS (
  UPDATE upload u SET status = 'failed', phase = 'failed', updated_at = now(),
         error = jsonb_build_object('code', 'upload_interrupted', 'message', ${message} || ' (' || status || ')')
  WHERE status IN ('receiving','validating','committing')
    AND NOT EXISTS (SELECT 1 FROM job j WHERE j.kind = 'upload' AND j.state IN ('queued', 'running') AND j.payload->>'upload' = u.id::text)
  RETURNING id
), f AS (
  DELETE FROM upload_feature WHERE upload_id IN (SELECT id FROM failed)
), i AS (
  DELETE FROM upload_issue WHERE upload_id IN (SELECT id FROM failed)
)
SELECT count(*)::int AS n FROM failed
