/* Applies an edit to an enterprise still at version ${expected} and bumps the version; returns the new version, or no row. */
UPDATE enterprise SET ${sets:raw}, version = version + 1
 WHERE credit_code = ${creditCode} AND version = ${expected}
RETURNING version
