/* The audit trail (安全审计, GB/T 22239-2019 8.1.4.3): security_event grows from the failed logins of
   850 into every security-relevant event — sign-ins, sign-outs, second factor, passwords, users,
   roles and scopes, settings, publishing, exports, reads of enterprise figures, migrations — each
   with its time, actor, address, object and result.

   Append-only, and provably so:
   - each row carries `seq` (1, 2, 3… with no hole) and `hash`, the sha256 of its content and of
     the previous row's hash; a trigger assigns both, under a lock, whatever the inserter sent;
   - UPDATE, DELETE and TRUNCATE are refused by triggers, for every role (the owner included, as
     long as it does not drop the triggers); where the application does not run as the owner, the
     privileges themselves are not granted (grant_app_role below);
   - audit_chain_check() recomputes the chain over the live and the archived rows and names every
     row edited, every row missing, every link broken.
   Kept at least 180 days: an older row may only move to security_event_archive (same columns,
   never updated nor deleted), and a row is deleted from security_event only when an identical copy
   is in the archive: nothing is ever dropped. */

ALTER TABLE security_event
  ADD COLUMN seq        bigint,
  ADD COLUMN actor_role text CHECK (length(actor_role) <= 20),
  ADD COLUMN object     text CHECK (length(object) <= 200),
  ADD COLUMN result     text NOT NULL DEFAULT 'ok' CHECK (result IN ('ok', 'refused', 'failed')),
  ADD COLUMN request_id text CHECK (length(request_id) <= 64),
  ADD COLUMN prev_hash  text,
  ADD COLUMN hash       text;

COMMENT ON TABLE security_event IS 'The audit trail: security-relevant events, append-only, hash-chained (seq, prev_hash, hash)';
COMMENT ON COLUMN security_event.username IS 'the actor: the signed-in user, or the name typed at a login';
COMMENT ON COLUMN security_event.object IS 'what the event is about: a user, a route, an export, a setting, a migration';
COMMENT ON COLUMN security_event.result IS 'ok, refused (not allowed) or failed (wrong credentials, an error)';

/** The hash of one row of the trail: sha256 over its content and the previous row's hash, in a
 * text form that no session setting changes (UTC time, jsonb's own canonical text). */
CREATE FUNCTION audit_row_hash(prev text, seq bigint, at timestamptz, kind text, username text, user_id bigint,
  actor_role text, address text, object text, result text, request_id text, detail jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(prev, seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    kind, username, user_id, actor_role, address, object, result, request_id, detail)::text, 'UTF8')), 'hex')
$$;
COMMENT ON FUNCTION audit_row_hash IS 'sha256 (hex) of one audit row chained to the previous row''s hash';

-- the hash of "no previous row"
CREATE FUNCTION audit_genesis() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT repeat('0', 64) $$;

CREATE TABLE security_event_archive (LIKE security_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE security_event_archive ADD PRIMARY KEY (id);
COMMENT ON TABLE security_event_archive IS 'Audit rows older than the retention (ONEMAP_AUDIT_KEEP_DAYS, at least 180 days), moved here whole; never updated nor deleted';

-- the rows 850 recorded, chained in the order they were written
ALTER TABLE security_event DISABLE TRIGGER security_event_append_only;
WITH ordered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM security_event)
UPDATE security_event e SET seq = o.n,
  result = CASE WHEN e.kind = 'login_failed' THEN 'failed' WHEN e.kind IN ('login_refused', 'login_locked_account', 'login_locked_address') THEN 'refused' ELSE 'ok' END
  FROM ordered o WHERE o.id = e.id;
DO $$
DECLARE r record; prev text := audit_genesis();
BEGIN
  FOR r IN SELECT * FROM security_event ORDER BY seq LOOP
    UPDATE security_event SET prev_hash = prev,
      hash = audit_row_hash(prev, r.seq, r.at, r.kind, r.username, r.user_id, r.actor_role, r.address, r.object, r.result, r.request_id, r.detail)
      WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
END $$;
ALTER TABLE security_event ENABLE TRIGGER security_event_append_only;

ALTER TABLE security_event ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
ALTER TABLE security_event_archive ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX security_event_seq ON security_event (seq);
CREATE UNIQUE INDEX security_event_archive_seq ON security_event_archive (seq);
CREATE INDEX security_event_kind ON security_event (kind, at);
CREATE INDEX security_event_archive_at ON security_event_archive (at);

/** Before each insert: the next seq and the chain's hashes, under a lock that orders the writers
 * (held to the end of the inserting transaction: the trail is written in short transactions of
 * its own). What the inserter sent for these columns is ignored. */
CREATE FUNCTION security_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last record;
BEGIN
  PERFORM pg_advisory_xact_lock(4103000940);
  SELECT x.seq, x.hash INTO last FROM (
    (SELECT seq, hash FROM security_event ORDER BY seq DESC LIMIT 1)
    UNION ALL (SELECT seq, hash FROM security_event_archive ORDER BY seq DESC LIMIT 1)) x
  ORDER BY x.seq DESC LIMIT 1;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.prev_hash := coalesce(last.hash, audit_genesis());
  NEW.at := now();  -- the database's clock: an event cannot be back-dated
  NEW.detail := coalesce(NEW.detail, '{}'::jsonb);
  NEW.hash := audit_row_hash(NEW.prev_hash, NEW.seq, NEW.at, NEW.kind, NEW.username, NEW.user_id, NEW.actor_role,
    NEW.address, NEW.object, NEW.result, NEW.request_id, NEW.detail);
  RETURN NEW;
END $$;
CREATE TRIGGER security_event_chain BEFORE INSERT ON security_event FOR EACH ROW EXECUTE FUNCTION security_event_chain();

/** UPDATE is refused; DELETE only for a row older than 180 days whose identical copy is in the
 * archive (audit_archive moves rows so); anything else is refused. */
CREATE OR REPLACE FUNCTION security_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'security_event' AND OLD.at < now() - interval '180 days'
     AND EXISTS (SELECT 1 FROM security_event_archive a WHERE a.seq = OLD.seq AND to_jsonb(a) = to_jsonb(OLD)) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER security_event_append_only BEFORE UPDATE OR DELETE ON security_event_archive
  FOR EACH ROW EXECUTE FUNCTION security_event_append_only();

CREATE FUNCTION security_event_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER security_event_no_truncate BEFORE TRUNCATE ON security_event FOR EACH STATEMENT EXECUTE FUNCTION security_event_no_truncate();
CREATE TRIGGER security_event_no_truncate BEFORE TRUNCATE ON security_event_archive FOR EACH STATEMENT EXECUTE FUNCTION security_event_no_truncate();
-- the archive is written only by audit_archive, which copies rows whole (their seq and hash kept)
CREATE FUNCTION security_event_archive_copy_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM security_event e WHERE e.seq = NEW.seq AND to_jsonb(e) = to_jsonb(NEW)) THEN
    RAISE EXCEPTION 'security_event_archive takes only copies of rows of security_event (seq %)', NEW.seq USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER security_event_archive_copy_only BEFORE INSERT ON security_event_archive
  FOR EACH ROW EXECUTE FUNCTION security_event_archive_copy_only();

/** Moves the rows older than keep_days (at least 180) to the archive, whole; returns how many.
 * SECURITY DEFINER: a role of the application without DELETE on the trail may call it. */
CREATE FUNCTION audit_archive(keep_days integer) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $$
DECLARE moved integer;
BEGIN
  PERFORM pg_advisory_xact_lock(4103000940);
  INSERT INTO security_event_archive SELECT * FROM security_event
    WHERE at < now() - make_interval(days => greatest(keep_days, 180)) ORDER BY seq;
  GET DIAGNOSTICS moved = ROW_COUNT;
  DELETE FROM security_event e WHERE e.at < now() - make_interval(days => greatest(keep_days, 180))
    AND EXISTS (SELECT 1 FROM security_event_archive a WHERE a.seq = e.seq);
  RETURN moved;
END $$;
COMMENT ON FUNCTION audit_archive IS 'Moves audit rows older than keep_days (at least 180) to security_event_archive; returns the count';

/** Every problem of the chain, live and archived rows together, in seq order: a row whose
 * content no longer gives its hash (edited), rows missing before a row (deleted), a row whose
 * prev_hash is not its predecessor's hash (its predecessor was rewritten), a row in both tables
 * that differs. No row: the trail is whole. */
CREATE FUNCTION audit_chain_check() RETURNS TABLE (seq bigint, id bigint, problem text, detail text)
  LANGUAGE sql STABLE AS $$
  WITH rows AS (
    SELECT *, 'archive' AS place FROM security_event_archive
    UNION ALL SELECT *, 'live' FROM security_event e WHERE NOT EXISTS (SELECT 1 FROM security_event_archive a WHERE a.seq = e.seq)
  ), w AS (
    SELECT r.*, lag(r.seq) OVER (ORDER BY r.seq) AS before_seq, lag(r.hash) OVER (ORDER BY r.seq) AS before_hash,
      audit_row_hash(r.prev_hash, r.seq, r.at, r.kind, r.username, r.user_id, r.actor_role, r.address, r.object, r.result,
        r.request_id, r.detail) AS computed
    FROM rows r
  )
  SELECT * FROM (
    SELECT w.seq, w.id, 'edited', format('row %s (%s) no longer gives its hash: its content was changed', w.seq, w.kind) FROM w
     WHERE w.computed <> w.hash
    UNION ALL
    SELECT w.seq, w.id, 'missing', CASE WHEN w.before_seq IS NULL
        THEN format('rows 1 to %s are missing before row %s', w.seq - 1, w.seq)
        ELSE format('rows %s to %s are missing (deleted) between row %s and row %s', w.before_seq + 1, w.seq - 1, w.before_seq, w.seq) END
      FROM w WHERE w.seq <> coalesce(w.before_seq, 0) + 1
    UNION ALL
    SELECT w.seq, w.id, 'unlinked', format('row %s does not follow row %s: the hash it was chained to is not that row''s hash now', w.seq, w.before_seq)
      FROM w WHERE w.before_seq = w.seq - 1 AND w.prev_hash <> w.before_hash
    UNION ALL
    SELECT w.seq, w.id, 'unlinked', format('row 1 is not the start of the trail') FROM w WHERE w.seq = 1 AND w.prev_hash <> audit_genesis()
    UNION ALL
    SELECT e.seq, e.id, 'archive_differs', format('row %s differs from its archived copy', e.seq)
      FROM security_event e JOIN security_event_archive a ON a.seq = e.seq WHERE to_jsonb(a) <> to_jsonb(e)
  ) p ORDER BY 1, 3
$$;
COMMENT ON FUNCTION audit_chain_check IS 'Problems of the audit trail''s hash chain (edited, missing, unlinked rows); none: whole';

/** Where the application runs as a role of its own (not the owner of the tables): what it needs,
 * and not UPDATE, DELETE nor TRUNCATE on the trail (INSERT and SELECT only; archiving through
 * audit_archive). The owner runs it after migrating (server/db/connect.ts, DATABASE_OWNER_URL). */
CREATE FUNCTION grant_app_role(app name) RETURNS void LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'analysis') LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', s, app);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', s, app);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', s, app);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', s, app);
  END LOOP;
  EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON security_event, security_event_archive FROM %I', app);
  EXECUTE format('REVOKE INSERT ON security_event_archive FROM %I', app);
  EXECUTE format('REVOKE ALL ON schema_migration FROM %I', app);
  EXECUTE format('GRANT SELECT ON schema_migration TO %I', app);
END $$;
REVOKE UPDATE, DELETE, TRUNCATE ON security_event, security_event_archive FROM PUBLIC;

-- Separated duties: security (users, roles, scopes, policies) and audit (the trail) beside admin.
ALTER TABLE app_user DROP CONSTRAINT app_user_role_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_role_check
  CHECK (role IN ('admin', 'analyst', 'surveyor', 'inspector', 'security', 'audit'));

-- Sign-in (身份鉴别): password age and forced change, the second factor, the last sign-in.
ALTER TABLE app_user
  ADD COLUMN password_changed_at  timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN password_must_change boolean NOT NULL DEFAULT false,
  ADD COLUMN totp_secret          text,           -- base32; set once enrolment is confirmed
  ADD COLUMN totp_pending_secret  text,           -- during enrolment, until a first code is right
  ADD COLUMN totp_last_step       bigint,         -- the last time step accepted: a code is used once
  ADD COLUMN last_login_at        timestamptz,
  ADD COLUMN updated_at           timestamptz NOT NULL DEFAULT now();

-- the hashes of an account's previous passwords (argon2id), for "not one of the last N"
CREATE TABLE password_history (
  user_id       bigint NOT NULL REFERENCES app_user ON DELETE CASCADE,
  password_hash text NOT NULL,
  set_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user ON password_history (user_id, set_at DESC);

-- one-time recovery codes of the second factor, kept as sha256 (80 random bits each)
CREATE TABLE totp_recovery_code (
  user_id    bigint NOT NULL REFERENCES app_user ON DELETE CASCADE,
  code_hash  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- A session is 'ok', or waits for a sign-in step: the second factor, a new password, enrolment.
-- last_seen_at is its idle clock (ONEMAP_IDLE_MINUTES).
ALTER TABLE user_session
  ADD COLUMN stage        text NOT NULL DEFAULT 'ok' CHECK (stage IN ('ok', 'totp', 'password', 'enrol')),
  ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN address      text CHECK (length(address) <= 64);
CREATE INDEX user_session_user ON user_session (user_id);
