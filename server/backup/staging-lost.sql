/* Uploads whose staged features are not in an embedded backup: failed, to be sent again, never
   committed empty. A file still being received or checked is not in a backup (the upload folder
   is not), so those always. Uploads checked and waiting for their commit, or committing, keep
   their staging where it is logged (migration 1060: PGlite, whose copy is opened as after a power
   cut): they stay ready, and a commit's next chunk is taken over and resumed. A backup made
   before 1060 had it UNLOGGED, which that recovery empties: those fail too (a commit's committed
   chunks are then undone when its job fails, upload_job_ended). */
UPDATE upload SET status = 'failed', phase = 'failed', updated_at = now(),
       error = jsonb_build_object('code', 'upload_interrupted', 'message',
         '备份不含暂存要素，请重新上传 the staged features are not kept in a backup: upload the file again')
 WHERE status IN ('receiving','validating')
    OR (status IN ('ready','committing')
        AND (SELECT c.relpersistence FROM pg_class c WHERE c.oid = 'upload_feature'::regclass) = 'u')
