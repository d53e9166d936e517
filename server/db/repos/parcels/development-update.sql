/* Applies an edit to a development event still at version ${expected}; returns it with its new version, or no row. */
UPDATE development_event SET ${sets:raw}, version = version + 1
 WHERE id = ${id} AND version = ${expected}
RETURNING version, (CASE WHEN ${sensitive} THEN to_jsonb(development_event) ELSE redact_sensitive(to_jsonb(development_event)) END)
  - 'parcel_id' - 'county_code' AS event
