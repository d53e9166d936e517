/* Applies an edit to a batch still at version ${expected} and bumps the version; returns the new version, or no row. */
UPDATE approval_batch SET ${sets:raw}, version = version + 1
 WHERE id = ${id} AND version = ${expected}
RETURNING version
