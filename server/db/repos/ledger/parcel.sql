/* The parcel a new ledger entry belongs to, with today's date in Luoyang; no row when missing or out of scope. */
SELECT p.id, p.county_code, luoyang_today() AS today
  FROM parcel p
 WHERE p.code = ${code}
   AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
