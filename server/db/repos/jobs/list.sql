/* Jobs newest first as GET /api/jobs lists them: of one user (${userId}) or everyone's (NULL, an admin), optionally of one state (${state}). */
SELECT id, kind, state, attempt, max_attempts, phase, message, done, total, result, error,
       created_at, started_at, finished_at, created_by
  FROM job
 WHERE (${userId}::bigint IS NULL OR created_by = ${userId})
   AND (${state}::text IS NULL OR state = ${state})
 ORDER BY id DESC
 LIMIT ${limit}
