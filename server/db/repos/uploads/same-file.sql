/* Earlier uploads of the same file (by SHA-256) that the caller may see, newest first: the report
   says when this exact file was already staged or committed. */
SELECT coalesce(json_agg(json_build_object('id', u.id, 'status', u.status, 'createdAt', u.created_at,
                                           'committedAt', u.committed_at, 'createdBy', u.created_by) ORDER BY u.created_at DESC), '[]'::json) AS uploads
FROM (
  SELECT * FROM upload u
  WHERE u.file_sha256 = ${sha256} AND u.id <> ${id}::uuid AND u.status IN ('ready','committing','committed')
    AND (${scope}::text[] IS NULL OR u.created_by = ${username} OR u.county_scope::text[] && ${scope}::text[])
  ORDER BY u.created_at DESC LIMIT 5
) u
