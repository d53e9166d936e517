/* Nothing: the analysis refresh that followed the commit is done; the upload shows committed again,
   and the refresh's progress writes still on their way (progress.sql) no longer apply. */
UPDATE upload SET phase = 'committed', percent = 100, settled_at = now(), updated_at = now()
WHERE id = ${id}::uuid AND status = 'committed'
