/* Nothing: inside the commit's transaction, records who committed, when, and the counts. */
UPDATE upload SET status = 'committed', phase = 'committed', percent = 100, committed_at = now(),
                  committed_by = ${committedBy}, result = ${result}::jsonb, updated_at = now()
WHERE id = ${id}::uuid
