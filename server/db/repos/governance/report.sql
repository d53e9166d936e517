/* One stored report the viewer may read (city-wide kinds: any reader; a quarterly report: within the viewer's counties), with its result (through redact_sensitive() unless ${sensitive}). */
SELECT r.id, r.kind, r.period, r.as_of, r.scope, r.params, r.rule_versions, r.data_version, r.digest, r.generated_at,
       r.generated_by, r.duration_ms, redact_sensitive(r.result, ${sensitive}) AS result
FROM governance.report r
WHERE r.id = ${id}
  AND (${viewer}::text[] IS NULL OR r.kind IN ('ranking', 'evaluation', 'quota', 'disclosure')
       OR (r.scope IS NOT NULL AND r.scope <@ ${viewer}::text[]))
