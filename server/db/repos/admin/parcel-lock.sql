/* The parcel an administrative write is about, locked until the transaction ends; no row when it is missing, retired or outside the caller's counties. */
SELECT p.id, p.code, p.county_code
  FROM parcel p
 WHERE p.code = ${code} AND p.retired_at IS NULL
   AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
   FOR UPDATE
