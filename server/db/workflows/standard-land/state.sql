/* Where contract ${id} stands on ${on} (analysis.standard_land_status), with its latest check date and its open rectification. */
SELECT s.status, s.completion_passed_on, s.production_passed_on,
  (SELECT max(k.checked_on) FROM standard_land_check k WHERE k.contract_id = ${id}) AS last_checked_on,
  r.id AS rect_id, r.kind AS rect_kind, r.ledger_id AS rect_ledger_id, r.deadline AS rect_deadline
FROM analysis.standard_land_status(${on}::date) s
LEFT JOIN standard_land_rectification r ON r.contract_id = s.contract_id AND r.recheck_id IS NULL
WHERE s.contract_id = ${id}
