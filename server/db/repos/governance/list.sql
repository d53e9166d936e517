/* Stored reports the viewer may read, newest first, without their results. */
SELECT coalesce(jsonb_agg(jsonb_build_object(
         'id', r.id, 'kind', r.kind, 'period', r.period, 'as_of', r.as_of, 'scope', r.scope, 'data_version', r.data_version,
         'digest', r.digest, 'generated_at', r.generated_at, 'generated_by', r.generated_by, 'duration_ms', r.duration_ms)
       ORDER BY r.id DESC), '[]'::jsonb) AS reports
FROM (
  SELECT r.* FROM governance.report r
  WHERE (${kind}::text IS NULL OR r.kind = ${kind})
    AND (${period}::text IS NULL OR r.period = ${period})
    AND (${viewer}::text[] IS NULL OR r.kind IN ('ranking', 'evaluation', 'quota', 'disclosure')
         OR (r.scope IS NOT NULL AND r.scope <@ ${viewer}::text[]))
  ORDER BY r.id DESC
  LIMIT ${limit}
) r
