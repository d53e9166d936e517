/* A held claim (${id}, ${owner}, ${attempt}) given back to the queue after a failure that may pass (${error}); failed for good at its last attempt. */
UPDATE job SET state = CASE WHEN attempt >= max_attempts THEN 'failed' ELSE 'queued' END,
       error = ${error}, message = ${message}, owner = NULL, lease_until = NULL,
       finished_at = CASE WHEN attempt >= max_attempts THEN now() END
 WHERE id = ${id} AND owner = ${owner} AND attempt = ${attempt} AND state = 'running'
RETURNING state
