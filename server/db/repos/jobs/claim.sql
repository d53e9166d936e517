/* The job this process (${owner}) now holds for ${leaseMs} ms: the oldest queued one of ${kinds}, or one whose holder's lease ran out (taken over: attempt + 1); none when every open job is held. */
UPDATE job j
   SET state = 'running', owner = ${owner}, attempt = j.attempt + 1,
       lease_until = now() + make_interval(secs => ${leaseMs} / 1000.0),
       started_at = now(), heartbeat_at = now(), error = NULL
 WHERE j.id = (
   SELECT id FROM job
    WHERE kind = ANY(${kinds}::text[])
      AND (state = 'queued' OR (state = 'running' AND lease_until < now()))
      AND attempt < max_attempts
    ORDER BY id
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING j.id, j.kind, j.payload, j.attempt, j.max_attempts, j.created_by
