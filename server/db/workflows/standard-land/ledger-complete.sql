/* Marks ledger entry ${id} done on ${on} with the progress that closed it. */
UPDATE disposal_ledger
   SET completed_on = ${on}, progress = concat_ws('；', progress, ${progress}), updated_at = now(), version = version + 1
 WHERE id = ${id}
RETURNING id
