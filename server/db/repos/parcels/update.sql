/* Applies an edit to a parcel still at version ${expected} and bumps the version; returns the new version, or no row when it moved on. */
UPDATE parcel SET ${sets:raw}, version = version + 1, updated_at = now()
 WHERE id = ${id} AND version = ${expected}
RETURNING version
