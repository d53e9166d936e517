/* A new job of ${kind}, made already held by this process (${owner}) for ${leaseMs} ms at its first attempt: the caller runs it now, and another process takes it over like any other if this one dies. */
INSERT INTO job (kind, payload, max_attempts, created_by, message, state, attempt, owner, lease_until, started_at, heartbeat_at)
VALUES (${kind}, ${payload}::jsonb, ${maxAttempts}, ${createdBy}, ${message}, 'running', 1, ${owner},
        now() + make_interval(secs => ${leaseMs} / 1000.0), now(), now())
RETURNING id, kind, payload, attempt, max_attempts, created_by
