/* Applies an edit to a ledger entry still at version ${expected} and bumps the version; returns the new version, or no row. */
UPDATE disposal_ledger SET ${sets:raw}, version = version + 1, updated_at = now()
 WHERE id = ${id} AND version = ${expected}
RETURNING version
