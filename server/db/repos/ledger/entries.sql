/* The disposal ledger (工作台账, annex 3 art. 6) of one parcel as JSON text, open entries first by deadline; no row when the parcel is missing or out of scope. */
SELECT json_build_object(
  'parcel_code', p.code,
  'county_code', p.county_code,
  'cluster_code', p.cluster_code,
  'entries', coalesce((
    SELECT json_agg(json_build_object(
             'id', l.id, 'measure', l.measure, 'cause', l.cause, 'deadline', l.deadline,
             'responsible_unit', l.responsible_unit, 'progress', l.progress, 'completed_on', l.completed_on,
             'overdue', l.completed_on IS NULL AND l.deadline < luoyang_today(),
             'days_overdue', CASE WHEN l.completed_on IS NULL AND l.deadline < luoyang_today() THEN luoyang_today() - l.deadline END,
             'completed_late', l.completed_on > l.deadline,
             'version', l.version, 'created_at', l.created_at, 'updated_at', l.updated_at
           ) ORDER BY l.completed_on IS NOT NULL, l.deadline, l.id)
      FROM disposal_ledger l WHERE l.parcel_id = p.id), '[]'::json)
)::text AS ledger
FROM parcel p
WHERE p.code = ${code}
  AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
