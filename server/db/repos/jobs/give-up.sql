/* Jobs whose holder died once too often (lease run out at their last attempt) marked failed with ${message}; how many. */
WITH gone AS (
  UPDATE job SET state = 'failed', error = ${message}, message = ${message}, owner = NULL, lease_until = NULL, finished_at = now()
   WHERE id IN (SELECT id FROM job
                 WHERE state = 'running' AND lease_until < now() AND attempt >= max_attempts
                 FOR UPDATE SKIP LOCKED)
  RETURNING 1)
SELECT count(*)::int AS n FROM gone
