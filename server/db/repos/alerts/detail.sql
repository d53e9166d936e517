/* One alert as JSON text with its version: the change polygon and every detection of it, the parcel and batch, the reason and the finding (through redact_sensitive unless ${sensitive}), the photos (when the role may see them), and its steps from the event log; no row when missing or outside the caller's counties. */
SELECT a.version, json_build_object(
  'id', a.id, 'type', a.type, 'severity', a.severity, 'status', a.status, 'version', a.version,
  'label', btrim(regexp_replace(a.reason ->> 'label', '\s*/\s+[A-Za-z].*$', '')),
  'county_code', a.county_code, 'cluster_code', a.cluster_code, 'cluster_name', cl.name,
  'overlap_m2', a.overlap_m2, 'overlap_share', a.overlap_share,
  'as_of', a.as_of, 'due_on', a.due_on,
  'overdue', a.status IN ('new','assigned','in_field') AND a.due_on < luoyang_today(),
  'days_overdue', CASE WHEN a.status IN ('new','assigned','in_field') AND a.due_on < luoyang_today() THEN luoyang_today() - a.due_on END,
  'created_at', a.created_at, 'updated_at', a.updated_at, 'assigned_at', a.assigned_at, 'closed_at', a.closed_at,
  'assignee', (SELECT json_build_object('username', u.username, 'display_name', u.display_name) FROM app_user u WHERE u.id = a.assignee_id),
  'escalated_to', (SELECT json_build_object('username', u.username, 'display_name', u.display_name) FROM app_user u WHERE u.id = a.escalated_to),
  'escalated_at', a.escalated_at,
  'change', (SELECT json_build_object('id', r.id, 'code', r.code, 'period', r.period, 'change_type', r.change_type,
                                      'image_before', r.image_before, 'image_after', r.image_after,
                                      'area_m2', round(r.area_m2::numeric, 2), 'geometry', ST_AsGeoJSON(r.geom, 7)::json)
               FROM rs_change r WHERE r.id = a.change_id),
  'detections', (SELECT coalesce(json_agg(json_build_object('id', r.id, 'code', r.code, 'period', r.period,
                                      'change_type', r.change_type, 'image_before', r.image_before, 'image_after', r.image_after,
                                      'overlap_m2', ac.overlap_m2, 'overlap_share', ac.overlap_share, 'linked_to', r.linked_to)
                                    ORDER BY r.image_after, r.id), '[]'::json)
                   FROM alert_change ac JOIN rs_change r ON r.id = ac.change_id WHERE ac.alert_id = a.id),
  'parcel', (SELECT json_build_object('code', p.code, 'stage', p.stage, 'land_use', p.land_use,
                                      'area_m2', round(p.area_m2::numeric, 2), 'area_mu', round(p.area_mu::numeric, 4),
                                      'started_on', (SELECT min(d.occurred_on) FROM development_event d WHERE d.parcel_id = p.id AND d.kind = 'start'),
                                      'geometry', ST_AsGeoJSON(p.geom, 7)::json)
               FROM parcel p WHERE p.id = a.parcel_id),
  'batch', (SELECT json_build_object('approval_no', b.approval_no, 'name', b.name, 'approved_on', b.approved_on)
              FROM approval_batch b WHERE b.id = a.batch_id),
  'contract', (SELECT json_build_object('contract_no', k.contract_no, 'signed_on', k.signed_on, 'agreed_start_on', k.agreed_start_on)
                 FROM supply_contract k WHERE k.id = a.contract_id),
  'reason', redact_sensitive(a.reason, ${sensitive}),
  'finding', redact_sensitive(a.finding, ${sensitive}),
  'ledger_id', a.ledger_id,
  'start_event_id', a.start_event_id,
  'photos', CASE WHEN ${photos} THEN (
    SELECT coalesce(json_agg(json_build_object('id', ph.id, 'url', '/api/alerts/' || a.id || '/photos/' || ph.id,
                                               'media_type', ph.media_type, 'size_bytes', ph.size_bytes, 'sha256', ph.sha256,
                                               'file_name', ph.file_name, 'uploaded_by', ph.uploaded_by, 'uploaded_at', ph.uploaded_at)
                             ORDER BY ph.id), '[]'::json)
      FROM alert_photo ph WHERE ph.alert_id = a.id) END,
  -- the workflow's steps as the event log holds them (who, when, from which status to which)
  'history', (SELECT coalesce(json_agg(json_build_object('at', e.occurred_at, 'actor', e.actor,
                                      'actor_name', (SELECT u.display_name FROM app_user u WHERE e.actor = 'user:' || u.username), 'action', e.action,
                                      'from', e.old_value ->> 'status', 'to', e.new_value ->> 'status',
                                      'assignee_id', e.new_value -> 'assignee_id', 'note', e.note) ORDER BY e.id), '[]'::json)
                FROM event_log e WHERE e.entity = 'alert' AND e.entity_id = a.id::text)
)::text AS alert
FROM alert a LEFT JOIN cluster cl ON cl.code = a.cluster_code
WHERE a.id = ${id}
  AND (${scope}::text[] IS NULL OR a.county_code = ANY(${scope}::text[]))
