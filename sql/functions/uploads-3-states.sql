/* The upload's state machine, one table: an upload is staged and checked, then committed whole or
   not at all, or given up. Each row is a move the product makes, the step that makes it and
   where it is written; GET /api/uploads/transitions publishes the table, and the trigger
   upload_status_guard (migration 1012) refuses any other move. */
CREATE OR REPLACE FUNCTION upload_transitions()
RETURNS TABLE (from_status text, to_status text, step text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  VALUES
    -- reading the file and the checks (stage/check/remap jobs)
    ('receiving',  'validating', 'stage'),
    ('validating', 'ready',      'checked'),
    ('validating', 'failed',     'fail'),
    ('receiving',  'failed',     'fail'),
    -- a new field mapping is checked again
    ('ready',      'validating', 'remap'),
    -- the commit, whole or not at all
    ('ready',      'committing', 'commit'),
    ('committing', 'committed',  'committed'),
    ('committing', 'ready',      'refused'),
    ('committing', 'failed',     'fail'),
    -- given up: by its user, or its staging lost (an embedded backup keeps no staged rows)
    ('ready',      'failed',     'fail'),
    ('ready',      'discarded',  'discard'),
    ('failed',     'discarded',  'discard')
$$;
COMMENT ON FUNCTION upload_transitions() IS 'the upload state machine: every move of upload.status the product makes, and the step that makes it; any other move is refused by upload_status_guard';

CREATE OR REPLACE FUNCTION upload_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM upload_transitions() t WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
    RAISE EXCEPTION 'upload % cannot go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation', HINT = 'upload_transitions() lists the moves an upload may make';
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION upload_status_guard() IS 'refuses a change of upload.status that upload_transitions() does not list';
