/* The folders of received files that an upload job not yet ended still reads (its staging: queued,
   running, or held by a process whose lease ran out, which another process takes over). */
SELECT DISTINCT payload->'file'->>'dir' AS dir FROM job
 WHERE kind = 'upload' AND state IN ('queued', 'running') AND payload->'file'->>'dir' IS NOT NULL
