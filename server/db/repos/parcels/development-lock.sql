/* One development event of a parcel, locked for an edit; no row when either is missing or out of scope. */
SELECT d.id, d.parcel_id, d.kind, d.occurred_on, d.version, to_jsonb(d) - 'parcel_id' - 'county_code' AS state
  FROM development_event d JOIN parcel p ON p.id = d.parcel_id
 WHERE p.code = ${code} AND d.id = ${id}
   AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
   FOR UPDATE OF d
