/* The upload row when it moved from ready to validating for a new field mapping; nothing when it
   was not ready (committed, discarded, or being checked or committed right now). */
UPDATE upload SET status = 'validating', phase = 'remapping', percent = 0, error = NULL, updated_at = now()
WHERE id = ${id}::uuid AND status = 'ready'
RETURNING id
