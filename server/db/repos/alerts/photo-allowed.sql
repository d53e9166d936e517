/* The status and assignee of an alert in the caller's counties, to decide whether a photo may be added before reading it; no row otherwise. */
SELECT a.status, a.assignee_id
  FROM alert a
 WHERE a.id = ${id}
   AND (${scope}::text[] IS NULL OR a.county_code = ANY(${scope}::text[]))
