/* The id of a live parcel by code in the caller's counties; no row otherwise. */
SELECT p.id FROM parcel p
 WHERE p.code = ${code} AND p.retired_at IS NULL
   AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
