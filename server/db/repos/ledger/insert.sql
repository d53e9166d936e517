/* Adds a measure to a parcel's disposal ledger; returns its id. */
INSERT INTO disposal_ledger (parcel_id, county_code, measure, cause, deadline, responsible_unit, progress)
VALUES (${parcelId}, ${countyCode}, ${measure}, ${cause}, ${deadline}, ${responsible_unit}, ${progress})
RETURNING id
