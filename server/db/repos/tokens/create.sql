/* A new personal token of a user (at most ${max} live ones), or no row when the user has that many already; the live name is unique (personal_token_name). */
INSERT INTO personal_token (user_id, name, token_hash, display_prefix, scope, expires_at)
SELECT ${userId}, ${name}, ${tokenHash}, ${displayPrefix}, ${scope}, now() + make_interval(days => ${days})
 WHERE (SELECT count(*) FROM personal_token
         WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > now()) < ${max}
RETURNING id, name, display_prefix, scope, created_at, expires_at, last_used_at, revoked_at,
          CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN 'expired' ELSE 'active' END AS state
