/* An upload's status moves only along its state machine: the table of allowed moves is
   upload_transitions() in sql/functions/uploads-3-states.sql (re-created at every start, with the
   guard's body); every statement that changes an upload's status, wherever it is written, goes
   through this trigger, so a move outside the table is refused in the database itself. This is
   the placeholder the trigger needs to exist. */
CREATE FUNCTION upload_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER upload_status_guard BEFORE UPDATE OF status ON upload
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION upload_status_guard();
