/* The last event of the trail (seq and hash: what an outside copy of the head is compared with) and how many rows are live and archived. */
SELECT (SELECT max(seq) FROM (SELECT seq FROM security_event UNION ALL SELECT seq FROM security_event_archive) s) AS seq,
       (SELECT hash FROM (SELECT seq, hash FROM security_event UNION ALL SELECT seq, hash FROM security_event_archive) s ORDER BY seq DESC LIMIT 1) AS hash,
       (SELECT count(*) FROM security_event)::int AS live,
       (SELECT count(*) FROM security_event_archive)::int AS archived,
       (SELECT to_char(min(at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') FROM security_event) AS live_since
