/* Nothing: the last chunk of a chunked commit has written, so what the chunks kept to undo it is
   dropped (migration 1080). */
DELETE FROM upload_commit_undo WHERE upload_id = ${id}::uuid
