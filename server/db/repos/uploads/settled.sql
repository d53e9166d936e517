/* Nothing: the analysis refresh that followed the commit is done; the upload shows committed again. */
UPDATE upload SET phase = 'committed', percent = 100, updated_at = now()
WHERE id = ${id}::uuid AND status = 'committed' AND phase = 'analysing'
