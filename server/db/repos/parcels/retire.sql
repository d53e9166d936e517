/* Retires (注销) a parcel still at version ${expected}: the row stays, with the date and the reason; returns the new version, or no row. */
UPDATE parcel SET retired_at = now(), retired_reason = ${reason}, version = version + 1, updated_at = now()
 WHERE id = ${id} AND version = ${expected} AND retired_at IS NULL
RETURNING version
