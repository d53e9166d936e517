/* The job this process (${owner}) now holds for ${leaseMs} ms: job ${id} when one is named, else the oldest one of ${kinds}; queued, or held by a process whose lease ran out (taken over: attempt + 1), and of a kind this process runs; none when every such job is held or ended. */
UPDATE job j
   SET state = 'running', owner = ${owner}, attempt = j.attempt + 1,
       lease_until = now() + make_interval(secs => ${leaseMs} / 1000.0),
       started_at = now(), heartbeat_at = now(), error = NULL
 WHERE j.id = (
   SELECT id FROM job
    WHERE (${id}::bigint IS NULL OR id = ${id}::bigint)
      AND kind = ANY(${kinds}::text[])
      AND (state = 'queued' OR (state = 'running' AND lease_until < now()))
      AND attempt < max_attempts
    ORDER BY id
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING j.id, j.kind, j.payload, j.attempt, j.max_attempts, j.created_by
