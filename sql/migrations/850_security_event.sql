/* Security events: failed, refused and locked logins (and later whatever else a security review
   wants kept apart from the land event log). Append-only, like event_log: rows are never updated
   or deleted by the application. `username` is the name as typed (unknown names too, cut to 64
   characters); `user_id` the account when the name is one. */
CREATE TABLE security_event (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  kind      text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
  username  text CHECK (length(username) <= 64),
  user_id   bigint,                 -- app_user.id, kept as a plain value: a log outlives accounts
  address   text CHECK (length(address) <= 64),
  detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_event_at ON security_event (at);
CREATE INDEX security_event_username ON security_event (username, at);

CREATE FUNCTION security_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'security_event is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER security_event_append_only BEFORE UPDATE OR DELETE ON security_event
  FOR EACH ROW EXECUTE FUNCTION security_event_append_only();

COMMENT ON TABLE security_event IS 'Failed, refused and locked logins (append-only)';
