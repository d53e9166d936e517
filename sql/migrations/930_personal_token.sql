/* Personal access tokens (个人访问令牌) for desktop tools (QGIS, ArcGIS Pro, GDAL): named, read or
   read-write, expiring, revoked by their owner or an admin. Stored as the SHA-256 of the token, as
   user_session is: the token itself is shown once, when it is made, and kept nowhere. A token acts
   as its owner with the owner's role and counties as they are at each request, never more. */
CREATE TABLE personal_token (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES app_user ON DELETE CASCADE,
  name          text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 64),
  token_hash    text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  -- the first characters of the token (omp_ and 4 more), to tell tokens apart in a list
  display_prefix text NOT NULL CHECK (display_prefix ~ '^omp_[A-Za-z0-9_-]{4}$'),
  scope         text NOT NULL CHECK (scope IN ('read', 'read_write')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  revoked_by    bigint REFERENCES app_user ON DELETE SET NULL,
  CHECK (expires_at > created_at),
  CHECK (revoked_by IS NULL OR revoked_at IS NOT NULL)
);
-- a name is a user's handle on a token: one live token per name
CREATE UNIQUE INDEX personal_token_name ON personal_token (user_id, name) WHERE revoked_at IS NULL;
CREATE INDEX personal_token_user ON personal_token (user_id, created_at);
COMMENT ON TABLE personal_token IS 'personal access tokens of desktop tools (sha256 only), read or read_write, expiring, revocable';
