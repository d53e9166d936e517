/* Applies an edit to a contract still at version ${expected} and bumps the version; returns the new version, or no row. */
UPDATE supply_contract SET ${sets:raw}, version = version + 1
 WHERE id = ${id} AND version = ${expected}
RETURNING version
