/* Closes rectification ${id} with its re-check: passed, or failed with the ledger entry of the recommended termination. */
UPDATE standard_land_rectification
   SET recheck_id = ${recheckId}, outcome = ${outcome}, closed_on = ${on}, termination_ledger_id = ${terminationLedgerId},
       version = version + 1
 WHERE id = ${id}
RETURNING id
