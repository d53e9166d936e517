/* Moves a contract still at version ${expected} to the next version (its indicators changed); returns the new version, or no row. */
UPDATE supply_contract SET version = version + 1 WHERE id = ${id} AND version = ${expected} RETURNING version
