/* Events of the audit trail (live, and archived when asked) matching the filters, newest first, keyset-paged by seq. */
WITH rows AS (
  SELECT e.*, false AS archived FROM security_event e
  UNION ALL
  SELECT a.*, true FROM security_event_archive a
   WHERE ${archived} AND NOT EXISTS (SELECT 1 FROM security_event e WHERE e.seq = a.seq)
)
SELECT seq, to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+08:00"') AS at, kind, username AS actor, actor_role,
       address, object, result, request_id, detail, archived, hash
  FROM rows
 WHERE (${kinds}::text[] IS NULL OR kind = ANY (${kinds}::text[]))
   AND (${actor}::text IS NULL OR username = ${actor})
   AND (${result}::text IS NULL OR result = ${result})
   AND (${object}::text IS NULL OR object ILIKE '%' || ${object} || '%')
   AND (${from}::date IS NULL OR at >= (${from}::date)::timestamp AT TIME ZONE 'Asia/Shanghai')
   AND (${to}::date IS NULL OR at < (${to}::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
   AND (${before}::bigint IS NULL OR seq < ${before})
 ORDER BY seq DESC
 LIMIT ${limit}
