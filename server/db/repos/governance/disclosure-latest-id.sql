/* The id of the latest disclosure snapshot, or of the given one if it exists (NULL when none). */
SELECT max(r.id) AS id FROM governance.report r
WHERE r.kind = 'disclosure' AND (${id}::bigint IS NULL OR r.id = ${id}::bigint)
