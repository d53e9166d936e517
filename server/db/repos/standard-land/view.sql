/* One standard-land contract's file as JSON text at ${asOf}: its 3+N+1 indicators, the agreement's periods, where it stands, every check with per-indicator results (measured tax and output per mu only for ${sensitive}), the rectifications and their ledger entries; no row when missing, not standard land, or outside the caller's counties. */
WITH c AS (
  SELECT c.*, p.code AS parcel_code, p.cluster_code, e.name AS land_user_name
  FROM supply_contract c JOIN parcel p ON p.id = c.parcel_id LEFT JOIN enterprise e ON e.credit_code = c.land_user_code
  WHERE c.contract_no = ${no} AND c.is_standard_land
    AND (${scope}::text[] IS NULL OR c.county_code = ANY(${scope}::text[]))
),
st AS (SELECT s.* FROM analysis.standard_land_status(${asOf}::date) s WHERE s.contract_id = (SELECT id FROM c))
SELECT json_build_object(
  'contract_no', c.contract_no, 'parcel_code', c.parcel_code, 'county_code', c.county_code, 'cluster_code', c.cluster_code,
  'land_user_code', c.land_user_code, 'land_user_name', c.land_user_name, 'signed_on', c.signed_on,
  'is_standard_land', c.is_standard_land, 'agreed_completion_on', c.agreed_completion_on, 'terminated_on', c.terminated_on,
  'version', c.version, 'as_of', ${asOf}::date,
  -- §二(四)10 "3+N+1"
  'indicators', json_build_object(
    'core', (SELECT coalesce(json_agg(json_build_object('indicator', i.indicator, 'label', k.label, 'unit', i.unit,
                                      'direction', i.direction, 'value', i.value) ORDER BY k.indicator), '[]'::json)
             FROM analysis.standard_land_core_indicators() k JOIN contract_indicator i ON i.contract_id = c.id AND i.indicator = k.indicator),
    'n', (SELECT coalesce(json_agg(json_build_object('indicator', i.indicator, 'unit', i.unit, 'direction', i.direction,
                                   'value', i.value) ORDER BY i.indicator), '[]'::json)
          FROM contract_indicator i WHERE i.contract_id = c.id
            AND i.indicator NOT IN (SELECT indicator FROM analysis.standard_land_core_indicators())),
    'term', json_build_object('years', c.term_years, 'major_project', c.major_project,
                              'max_years', analysis.standard_land_max_term(c.major_project))),
  'terms', (SELECT json_build_object('agreement_no', t.agreement_no, 'completion_check_by', t.completion_check_by,
                                     'production_check_by', t.production_check_by, 'version', t.version)
            FROM standard_land_terms t WHERE t.contract_id = c.id),
  'status', (SELECT json_build_object(
      'status', s.status, 'completion_check_by', s.completion_check_by, 'production_check_by', s.production_check_by,
      'completion_passed_on', s.completion_passed_on, 'production_passed_on', s.production_passed_on,
      'open_rectification', s.open_rectification, 'termination_recommended_on', s.termination_recommended_on,
      'termination_due', s.termination_due, 'next_due', s.next_due, 'overdue', s.overdue, 'overdue_items', s.overdue_items)
    FROM st s),
  'checks', (SELECT coalesce(json_agg(json_build_object(
      'id', k.id, 'kind', k.kind, 'checked_on', k.checked_on, 'passed', k.passed, 'failed', k.failed, 'recheck_of', k.recheck_of,
      'results', (SELECT json_agg(r || jsonb_build_object('measured', m.shown -> (r->>'indicator'),
                    'redacted', NOT ${sensitive} AND r->>'indicator' = ANY(sensitive_keys())))
                  FROM jsonb_array_elements(k.results) r, (SELECT redact_sensitive(k.measured, ${sensitive}) AS shown) m),
      'measured_source', k.measured_source, 'development_event_id', k.development_event_id,
      'note', k.note, 'recorded_by', k.recorded_by, 'created_at', k.created_at
    ) ORDER BY k.checked_on, k.id), '[]'::json) FROM standard_land_check k WHERE k.contract_id = c.id),
  'rectifications', (SELECT coalesce(json_agg(json_build_object(
      'id', r.id, 'kind', r.kind, 'opened_on', r.opened_on, 'deadline', r.deadline, 'closed_on', r.closed_on, 'outcome', r.outcome,
      'failed_check_id', r.failed_check_id, 'recheck_id', r.recheck_id, 'ledger_id', r.ledger_id,
      'termination_ledger_id', r.termination_ledger_id,
      'overdue', r.closed_on IS NULL AND r.deadline < ${asOf}::date
    ) ORDER BY r.opened_on, r.id), '[]'::json) FROM standard_land_rectification r WHERE r.contract_id = c.id),
  'ledger', (SELECT coalesce(json_agg(json_build_object(
      'id', l.id, 'measure', l.measure, 'cause', l.cause, 'deadline', l.deadline, 'responsible_unit', l.responsible_unit,
      'progress', l.progress, 'completed_on', l.completed_on, 'version', l.version,
      'overdue', l.completed_on IS NULL AND l.deadline < ${asOf}::date
    ) ORDER BY l.id), '[]'::json)
    FROM disposal_ledger l
    WHERE l.id IN (SELECT r.ledger_id FROM standard_land_rectification r WHERE r.contract_id = c.id
                   UNION SELECT r.termination_ledger_id FROM standard_land_rectification r WHERE r.contract_id = c.id))
)::text AS file, c.version
FROM c
