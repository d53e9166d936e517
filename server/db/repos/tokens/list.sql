/* Personal tokens, newest first: of one user (${userId}), or of everyone (NULL, for an admin), with the owner's name, never the hash. */
SELECT pt.id, pt.name, pt.display_prefix, pt.scope, pt.created_at, pt.expires_at, pt.last_used_at, pt.revoked_at,
       CASE WHEN pt.revoked_at IS NOT NULL THEN 'revoked' WHEN pt.expires_at <= now() THEN 'expired' ELSE 'active' END AS state,
       u.username
  FROM personal_token pt JOIN app_user u ON u.id = pt.user_id
 WHERE ${userId}::bigint IS NULL OR pt.user_id = ${userId}
 ORDER BY pt.created_at DESC, pt.id DESC
 LIMIT ${limit}
