/* An upload's checks and commit are jobs of the job table (migration 990; kind 'upload', the upload
   in payload.upload): they run once across the OneMap processes, survive the death of the one
   running them (another takes the job over) and report progress from any process. When such a
   job ends failed (a refused commit, a file the checks cannot read, or a process that died at the
   job's last attempt), its upload follows in the same statement: a commit refused before it wrote
   anything leaves the upload ready again with why, anything else fails it and drops its staging.
   The trigger's body is sql/functions/uploads-2-jobs.sql (re-created at every start); this is the
   placeholder the trigger needs to exist. */
CREATE FUNCTION upload_job_ended() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER upload_job_ended AFTER UPDATE OF state ON job
  FOR EACH ROW WHEN (NEW.state = 'failed' AND OLD.state IS DISTINCT FROM 'failed' AND NEW.kind = 'upload')
  EXECUTE FUNCTION upload_job_ended();
-- the open job of an upload (an interrupted upload with one is left to it)
CREATE INDEX job_upload ON job ((payload->>'upload')) WHERE kind = 'upload' AND state IN ('queued', 'running');
