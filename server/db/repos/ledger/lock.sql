/* A ledger entry of a parcel locked for an edit, with today's date in Luoyang; no row when either is missing or out of scope. */
SELECT l.id, l.version, l.deadline, l.completed_on, luoyang_today() AS today
  FROM disposal_ledger l JOIN parcel p ON p.id = l.parcel_id
 WHERE p.code = ${code} AND l.id = ${id}
   AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
   FOR UPDATE OF l
