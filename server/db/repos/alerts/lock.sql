/* The alert a workflow step is about, locked until the transaction ends; no row when missing or outside the caller's counties. */
SELECT a.id, a.type, a.status, a.version, a.assignee_id, a.parcel_id, a.county_code, a.change_id,
       luoyang_today()::text AS today
  FROM alert a
 WHERE a.id = ${id}
   AND (${scope}::text[] IS NULL OR a.county_code = ANY(${scope}::text[]))
   FOR UPDATE
