/* Adds an entry to the parcel's disposal ledger (工作台账) for a standard-land rectification or termination; returns its id. */
INSERT INTO disposal_ledger (parcel_id, county_code, measure, cause, deadline, responsible_unit, progress)
VALUES (${parcelId}, ${countyCode}, ${measure}, ${cause}, ${deadline}, ${responsibleUnit}, ${progress})
RETURNING id
