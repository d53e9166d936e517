/* Nothing: a commit that failed before writing anything leaves the upload ready again, with why. */
UPDATE upload SET status = 'ready', phase = 'ready', percent = 100, error = ${error}::jsonb, updated_at = now()
WHERE id = ${id}::uuid AND status = 'committing'
