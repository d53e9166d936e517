/* The upload row when it moved from ready to committing; nothing when it was not ready (another
   commit got there first, or it was discarded). */
UPDATE upload SET status = 'committing', phase = 'committing', percent = 0, updated_at = now()
WHERE id = ${id}::uuid AND status = 'ready'
RETURNING id
