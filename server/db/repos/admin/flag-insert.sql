/* Sets an official flag (低效 type 1 or 6) on a parcel from a date; returns the flag as the API shows it. */
INSERT INTO parcel_flag (parcel_id, county_code, kind, reason, set_by, set_on, doc_no)
VALUES (${parcelId}, ${county}, ${kind}, ${reason}, ${actor}, ${setOn}::date, ${docNo})
RETURNING id
