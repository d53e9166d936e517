/* The job done or failed (${state}) with its last progress (${done} of ${total}), run inside the job's own transaction: no row when the claim (${id}, ${owner}, ${attempt}) is no longer this process's (its lease was taken over), and the caller rolls back. */
UPDATE job SET state = ${state}, result = ${result}::jsonb, error = ${error}, message = coalesce(${message}, message),
       phase = CASE WHEN ${state} = 'done' THEN 'done' ELSE coalesce(${phase}, phase) END,
       done = coalesce(${done}, done), total = coalesce(${total}, total),
       owner = NULL, lease_until = NULL, finished_at = now()
 WHERE id = ${id} AND owner = ${owner} AND attempt = ${attempt} AND state = 'running'
RETURNING id
