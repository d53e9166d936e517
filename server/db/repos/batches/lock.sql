/* The batch an edit is about, locked until the transaction ends; no row when missing or out of scope. */
SELECT b.id, b.version, b.county_code
  FROM approval_batch b
 WHERE b.approval_no = ${no}
   AND (${scope}::text[] IS NULL OR b.county_code = ANY(${scope}::text[]))
   FOR UPDATE
