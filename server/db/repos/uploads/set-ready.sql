/* Nothing: the upload is staged and checked; its report and what the reader decided are kept. */
UPDATE upload SET status = 'ready', phase = 'ready', percent = 100, report = ${report}::jsonb,
                  description = ${description}::jsonb, updated_at = now()
WHERE id = ${id}::uuid
