/* Records a completion or production check of a standard-land contract with its measured values and per-indicator results; returns its id. */
INSERT INTO standard_land_check (contract_id, parcel_id, county_code, kind, checked_on, recheck_of, measured, measured_source,
  results, failed, passed, development_event_id, note, recorded_by)
VALUES (${contractId}, ${parcelId}, ${countyCode}, ${kind}, ${on}, ${recheckOf}, ${measured}::jsonb, ${measuredSource}::jsonb,
  ${results}::jsonb, ${failed}::text[], ${passed}, ${eventId}, ${note}, ${recordedBy})
RETURNING id
