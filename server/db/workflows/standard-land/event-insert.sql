/* Records the check in the parcel's development events (the acceptance when passed, an inspection with the measured values when not), so that the life cycle and inefficient type 3 see it; returns its id. */
INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, measured, note, recorded_by)
VALUES (${parcelId}, ${countyCode}, ${kind}, ${on}, ${measured}::jsonb, ${note}, ${recordedBy})
RETURNING id
