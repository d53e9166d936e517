/* One job as GET /api/jobs/:id shows it; of one user (${userId}) only, or any (NULL, an admin). */
SELECT id, kind, state, attempt, max_attempts, phase, message, done, total, result, error,
       created_at, started_at, finished_at, created_by
  FROM job
 WHERE id = ${id} AND (${userId}::bigint IS NULL OR created_by = ${userId})
