/* One parcel's classifications at a date, or no row when it is missing or outside the caller's counties. */
SELECT p.id AS parcel_id, p.code, analysis.parcel_classifications(p.id, ${asOf}::date, ${sensitive}) AS classifications
FROM parcel p
WHERE p.code = ${code}
  AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
