/* The job ${id} claimed by this process (${owner}) for ${leaseMs} ms when it is queued, or held by a process whose lease ran out (attempt + 1), and of a kind it runs (${kinds}); none otherwise. */
UPDATE job j
   SET state = 'running', owner = ${owner}, attempt = j.attempt + 1,
       lease_until = now() + make_interval(secs => ${leaseMs} / 1000.0),
       started_at = now(), heartbeat_at = now(), error = NULL
 WHERE j.id = (
   SELECT id FROM job
    WHERE id = ${id} AND kind = ANY(${kinds}::text[])
      AND (state = 'queued' OR (state = 'running' AND lease_until < now()))
      AND attempt < max_attempts
    FOR UPDATE SKIP LOCKED)
RETURNING j.id, j.kind, j.payload, j.attempt, j.max_attempts, j.created_by
