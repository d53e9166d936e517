/* An upload job that ended failed takes its upload with it (migration 1010 has the trigger): a
   commit refused before writing (payload step 'commit', result.then 'ready') leaves the upload
   ready with the reason, so that it can be fixed and committed again; any other failure (the
   staging of the received file, the checks, a staging lost, a process that died at the job's last attempt: no result) fails the
   upload with the reason and drops its staged rows. The reason is the job's result.error, or the
   payload's `abandoned` message when the job had no say (its process died). A deferred analysis
   refresh that failed leaves its queue for the timer (plugins/daily-refresh.ts). A chunked commit
   that ends failed after some of its chunks committed has them undone here, in the transaction
   that records the failure (upload_undo_commit, migration 1080): all or nothing. */
CREATE OR REPLACE FUNCTION upload_job_ended() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  up uuid := (NEW.payload->>'upload')::uuid;
  why jsonb := coalesce(NEW.result->'error', NEW.payload->'abandoned',
                        jsonb_build_object('code', 'upload_interrupted', 'message', coalesce(NEW.error, 'job failed')));
BEGIN
  IF NEW.payload->>'step' = 'commit' THEN
    PERFORM upload_undo_commit(up);
  END IF;
  IF NEW.payload->>'step' = 'commit' AND NEW.result->>'then' = 'ready' THEN
    UPDATE upload SET status = 'ready', phase = 'ready', percent = 100, error = why, updated_at = now()
     WHERE id = up AND status = 'committing';
  ELSIF NEW.payload->>'step' IN ('stage', 'check', 'remap', 'commit') THEN
    UPDATE upload SET status = 'failed', phase = 'failed', error = why, updated_at = now()
     WHERE id = up AND status IN ('validating', 'committing');
    IF FOUND THEN
      DELETE FROM upload_issue WHERE upload_id = up;
      DELETE FROM upload_feature WHERE upload_id = up;
    END IF;
  ELSE
    UPDATE upload SET phase = 'committed', percent = 100, updated_at = now() WHERE id = up AND status = 'committed';
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION upload_job_ended() IS 'an upload job that ended failed takes its upload with it: a refused commit back to ready, anything else failed';
