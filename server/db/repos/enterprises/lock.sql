/* The enterprise an edit is about, locked until the transaction ends; no row when missing or not visible to the caller. */
SELECT e.credit_code, e.version, e.county_code
  FROM enterprise e
 WHERE e.credit_code = ${creditCode}
   AND ${visible:raw}
   FOR UPDATE
