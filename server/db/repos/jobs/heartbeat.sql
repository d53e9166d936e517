/* The lease renewed while this claim (${id}, ${owner}, ${attempt}) is still its holder's; the row when it is. */
UPDATE job SET lease_until = now() + make_interval(secs => ${leaseMs} / 1000.0), heartbeat_at = now()
 WHERE id = ${id} AND owner = ${owner} AND attempt = ${attempt} AND state = 'running'
RETURNING id
