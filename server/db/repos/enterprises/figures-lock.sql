/* One year's figures of an enterprise, locked for an edit, as JSON; no row when there are none yet. */
SELECT y.version, to_jsonb(y) AS figures
  FROM enterprise_year y
 WHERE y.credit_code = ${creditCode} AND y.year = ${year}
   FOR UPDATE
