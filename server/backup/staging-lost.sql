/* Uploads waiting for commit whose staged features (UNLOGGED tables, emptied when PostgreSQL
   recovers a copy of a running database) are not in an embedded backup: failed, to be sent again,
   never committed empty. */
UPDATE upload SET status = 'failed', phase = 'failed', updated_at = now(),
       error = jsonb_build_object('code', 'upload_interrupted', 'message',
         '备份不含暂存要素，请重新上传 the staged features are not kept in a backup: upload the file again')
 WHERE status IN ('receiving','validating','ready','committing')
