/* One upload as JSON, or nothing when it does not exist or the caller may not see it (uploads of
   another county are as missing: the caller's scope shares no county with the uploader's). */
SELECT json_build_object(
  'id', u.id, 'layer', u.layer, 'fileName', u.file_name, 'sha256', u.file_sha256, 'sizeBytes', u.size_bytes,
  'status', u.status, 'phase', u.phase, 'percent', u.percent, 'options', u.options,
  'description', u.description, 'report', u.report,
  'createdBy', u.created_by, 'countyScope', u.county_scope, 'createdAt', u.created_at, 'updatedAt', u.updated_at,
  'committedAt', u.committed_at, 'committedBy', u.committed_by, 'result', u.result, 'error', u.error
) AS upload
FROM upload u
WHERE u.id = ${id}::uuid
  AND (${scope}::text[] IS NULL OR u.created_by = ${username} OR u.county_scope::text[] && ${scope}::text[])
