/* Ends a merge: ${from} kept as an alias of ${into} (with its name), the surviving record's version bumped, ${from}'s row gone (nothing refers to it any more: merge-move.sql moved it all). */
WITH alias AS (
  INSERT INTO enterprise_alias (alias_code, credit_code, name, merged_on, merged_by, note)
  VALUES (${from}, ${into}, ${name}, luoyang_today(), ${actor}, ${note})
  RETURNING 1
),
bumped AS (UPDATE enterprise SET version = version + 1 WHERE credit_code = ${into} RETURNING 1),
gone AS (DELETE FROM enterprise WHERE credit_code = ${from} RETURNING 1)
SELECT (SELECT count(*) FROM alias)::int + (SELECT count(*) FROM bumped)::int + (SELECT count(*) FROM gone)::int AS n
