/* The parcel an edit is about, locked until the transaction ends; no row when it is missing or outside the caller's counties. */
SELECT p.id, p.code, p.county_code, p.version, p.retired_at, p.stated_area_m2
  FROM parcel p
 WHERE p.code = ${code}
   AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
   FOR UPDATE
