/* The owner of a live personal token (not revoked, not expired, the account active) with the token's id and scope and whether the owner has a second factor, last use noted at most once a minute; no row otherwise. */
WITH t AS (
  SELECT pt.id AS token_id, pt.scope, u.id, u.username, u.display_name, u.role, u.county_scope, u.totp_secret IS NOT NULL AS totp
    FROM personal_token pt JOIN app_user u ON u.id = pt.user_id
   WHERE pt.token_hash = ${tokenHash} AND pt.revoked_at IS NULL AND pt.expires_at > now() AND u.active
),
touched AS (
  UPDATE personal_token pt SET last_used_at = now()
    FROM t
   WHERE pt.id = t.token_id AND (pt.last_used_at IS NULL OR pt.last_used_at < now() - interval '1 minute')
)
SELECT * FROM t
