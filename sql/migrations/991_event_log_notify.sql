/* Every committed write of the land (一地一档: each goes through event_log) tells the OneMap
   processes listening on the primary at once (server/signals.ts), so that each reads the new
   entries and drops the tiles they touch without waiting for its next poll of the log. NOTIFY in a
   transaction is delivered at its commit, and never for one rolled back; PostgreSQL sends the same
   payload once per transaction. The payload is the message of server/events.ts, from 'db'. */
CREATE FUNCTION event_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('onemap_signal', '{"o":"db","m":{"kind":"event-logged"}}');
  RETURN NULL;
END $$;
CREATE TRIGGER event_log_notify AFTER INSERT ON event_log
  FOR EACH STATEMENT EXECUTE FUNCTION event_log_notify();
COMMENT ON FUNCTION event_log_notify() IS 'tells the listening OneMap processes that land was written (channel onemap_signal)';
