/* The alert's new version after a workflow step (the event-log trigger records the old and the new row with the actor). */
UPDATE alert SET ${sets:raw}, version = version + 1, updated_at = now()
 WHERE id = ${id} AND version = ${expected}
RETURNING version
