/* The supply contract a standard-land write is about, locked until the transaction ends, with today's date in Luoyang; no row when missing or outside the caller's counties. */
SELECT c.id, c.contract_no, c.parcel_id, c.county_code, c.is_standard_land, c.signed_on, c.terminated_on, c.version,
       p.retired_at IS NOT NULL AS parcel_retired, luoyang_today() AS today
  FROM supply_contract c JOIN parcel p ON p.id = c.parcel_id
 WHERE c.contract_no = ${no}
   AND (${scope}::text[] IS NULL OR c.county_code = ANY(${scope}::text[]))
   FOR UPDATE OF c
