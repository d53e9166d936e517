/* One ledger entry as JSON text with its version. */
SELECT l.version, json_build_object(
  'id', l.id, 'parcel_code', p.code, 'measure', l.measure, 'cause', l.cause, 'deadline', l.deadline,
  'responsible_unit', l.responsible_unit, 'progress', l.progress, 'completed_on', l.completed_on,
  'overdue', l.completed_on IS NULL AND l.deadline < luoyang_today(),
  'days_overdue', CASE WHEN l.completed_on IS NULL AND l.deadline < luoyang_today() THEN luoyang_today() - l.deadline END,
  'completed_late', l.completed_on > l.deadline,
  'version', l.version, 'created_at', l.created_at, 'updated_at', l.updated_at
)::text AS entry
FROM disposal_ledger l JOIN parcel p ON p.id = l.parcel_id
WHERE l.id = ${id}
