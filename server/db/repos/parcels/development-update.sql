/* Applies an edit to a development event still at version ${expected}; returns it with its new version, or no row. */
UPDATE development_event SET ${sets:raw}, version = version + 1
 WHERE id = ${id} AND version = ${expected}
RETURNING version, redact_sensitive(to_jsonb(development_event), ${sensitive})
  - 'parcel_id' - 'county_code' AS event
