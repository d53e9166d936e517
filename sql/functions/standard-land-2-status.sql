/* Where each standard-land contract (标准地) stands at a date in its life cycle (annex 2 arts. 11–12):
   signed → completion check (竣工验收) → production check (达产验收) within the agreed periods; a
   failed check opens a rectification of at most two years; a failed re-check recommends terminating
   the contract and recovering the land; then the termination. What is overdue at the date is listed. */

CREATE OR REPLACE FUNCTION analysis.add_months(d date, months numeric) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ($1 + make_interval(months => $2::integer))::date $$;
COMMENT ON FUNCTION analysis.add_months(date, numeric) IS 'a date plus a whole number of months (month ends clamp: 2024-08-31 + 6 = 2025-02-28)';

/* One row per standard-land contract signed by the date. A check counts from its date; an acceptance
   recorded as a development event (completion_acceptance, production_acceptance) outside this module
   counts as a passed check. The periods are the agreement's (standard_land_terms), else the county
   rules: completion check by the agreed completion + standard_land_completion_check_months; production
   check by the completion acceptance (else the agreed completion) + standard_land_production_check_months. */
CREATE OR REPLACE FUNCTION analysis.standard_land_status(as_of date)
  RETURNS TABLE (
    contract_id bigint, contract_no text, parcel_id bigint, parcel_code text, county_code char(6), cluster_code text,
    land_user_code char(18), land_user_name text, signed_on date, term_years integer, major_project boolean,
    agreed_completion_on date, agreement_no text, completion_check_by date, production_check_by date,
    completion_passed_on date, production_passed_on date, checks integer, failed_checks integer,
    open_rectification jsonb, termination_recommended_on date, termination_due date, terminated_on date,
    status text, next_due date, overdue boolean, overdue_items jsonb)
  LANGUAGE sql STABLE AS $$
  WITH c AS (
    SELECT sc.*, p.code AS parcel_code, p.cluster_code, e.name AS land_user_name, t.agreement_no,
      t.completion_check_by AS agreed_completion_check_by, t.production_check_by AS agreed_production_check_by
    FROM supply_contract sc
    JOIN parcel p ON p.id = sc.parcel_id
    LEFT JOIN enterprise e ON e.credit_code = sc.land_user_code
    LEFT JOIN standard_land_terms t ON t.contract_id = sc.id
    WHERE sc.is_standard_land AND sc.signed_on <= $1
  ),
  ch AS (
    SELECT k.contract_id,
      count(*)::integer AS checks, count(*) FILTER (WHERE NOT k.passed)::integer AS failed_checks,
      min(k.checked_on) FILTER (WHERE k.passed AND k.kind = 'completion') AS completion_passed_on,
      min(k.checked_on) FILTER (WHERE k.passed AND k.kind = 'production') AS production_passed_on
    FROM standard_land_check k WHERE k.checked_on <= $1 AND k.contract_id IN (SELECT id FROM c)
    GROUP BY k.contract_id
  ),
  ev AS (
    SELECT c.id AS contract_id,
      min(d.occurred_on) FILTER (WHERE d.kind = 'completion_acceptance') AS completion_on,
      min(d.occurred_on) FILTER (WHERE d.kind = 'production_acceptance') AS production_on
    FROM c JOIN development_event d ON d.parcel_id = c.parcel_id
    WHERE d.occurred_on <= $1 AND d.occurred_on >= c.signed_on AND d.kind IN ('completion_acceptance','production_acceptance')
    GROUP BY c.id
  ),
  rect AS (
    SELECT r.contract_id,
      (array_agg(jsonb_build_object('id', r.id, 'kind', r.kind, 'opened_on', r.opened_on, 'deadline', r.deadline,
                                    'failed_check_id', r.failed_check_id, 'ledger_id', r.ledger_id,
                                    'overdue', r.deadline < $1, 'days_overdue', CASE WHEN r.deadline < $1 THEN $1 - r.deadline END)
                 ORDER BY r.opened_on DESC, r.id DESC)
         FILTER (WHERE r.closed_on IS NULL OR r.closed_on > $1))[1] AS open_rect,
      min(r.closed_on) FILTER (WHERE r.outcome = 'failed' AND r.closed_on <= $1) AS recommended_on
    FROM standard_land_rectification r WHERE r.opened_on <= $1 AND r.contract_id IN (SELECT id FROM c)
    GROUP BY r.contract_id
  ),
  s AS (
    SELECT c.*, ch.checks, ch.failed_checks, rect.open_rect, rect.recommended_on,
      -- least() ignores NULLs: the earlier of a passed check and an acceptance event
      least(ch.completion_passed_on, ev.completion_on, ch.production_passed_on, ev.production_on) AS completion_done,
      least(ch.production_passed_on, ev.production_on) AS production_done,
      coalesce(c.agreed_completion_check_by,
               analysis.add_months(c.agreed_completion_on,
                 (analysis.rule(c.county_code, 'standard_land_completion_check_months', $1) #>> '{}')::numeric)) AS completion_by,
      (analysis.rule(c.county_code, 'standard_land_production_check_months', $1) #>> '{}')::numeric AS production_months,
      (analysis.rule(c.county_code, 'standard_land_termination_months', $1) #>> '{}')::numeric AS termination_months
    FROM c LEFT JOIN ch ON ch.contract_id = c.id LEFT JOIN ev ON ev.contract_id = c.id LEFT JOIN rect ON rect.contract_id = c.id
  ),
  d AS (
    SELECT s.*,
      coalesce(s.agreed_production_check_by, analysis.add_months(coalesce(s.completion_done, s.agreed_completion_on), s.production_months)) AS production_by,
      analysis.add_months(s.recommended_on, s.termination_months) AS termination_by,
      s.terminated_on IS NOT NULL AND s.terminated_on <= $1 AS is_terminated
    FROM s
  ),
  st AS (
    SELECT d.*,
      CASE
        WHEN d.is_terminated THEN 'terminated'
        WHEN d.recommended_on IS NOT NULL THEN 'termination_recommended'
        WHEN d.open_rect IS NOT NULL THEN 'rectifying'
        WHEN d.production_done IS NOT NULL THEN 'production_accepted'
        WHEN d.completion_done IS NOT NULL THEN 'completion_accepted'
        ELSE 'awaiting_completion_check'
      END AS status
    FROM d
  ),
  items AS (
    SELECT st.*, CASE st.status
        WHEN 'awaiting_completion_check' THEN jsonb_build_object('item', 'completion_check', 'due', st.completion_by)
        WHEN 'completion_accepted' THEN jsonb_build_object('item', 'production_check', 'due', st.production_by)
        WHEN 'rectifying' THEN jsonb_build_object('item', 'rectification', 'kind', st.open_rect->>'kind',
                                                  'rectification_id', (st.open_rect->>'id')::bigint, 'due', (st.open_rect->>'deadline')::date)
        WHEN 'termination_recommended' THEN jsonb_build_object('item', 'termination', 'due', st.termination_by)
      END AS pending
    FROM st
  )
  SELECT i.id, i.contract_no, i.parcel_id, i.parcel_code, i.county_code, i.cluster_code, i.land_user_code, i.land_user_name,
    i.signed_on, i.term_years, i.major_project, i.agreed_completion_on, i.agreement_no, i.completion_by, i.production_by,
    i.completion_done, i.production_done, coalesce(i.checks, 0), coalesce(i.failed_checks, 0),
    i.open_rect, i.recommended_on, CASE WHEN NOT i.is_terminated THEN i.termination_by END,
    CASE WHEN i.is_terminated THEN i.terminated_on END, i.status,
    (i.pending->>'due')::date,
    coalesce((i.pending->>'due')::date < $1, false),
    CASE WHEN (i.pending->>'due')::date < $1
         THEN jsonb_build_array(i.pending || jsonb_build_object('days_overdue', $1 - (i.pending->>'due')::date))
         ELSE '[]'::jsonb END
  FROM items i
$$;
COMMENT ON FUNCTION analysis.standard_land_status(date) IS
  'per standard-land contract signed by the date: agreed check periods, passed checks (or acceptance events), open rectification, termination recommended/due/done, status (awaiting_completion_check, completion_accepted, production_accepted, rectifying, termination_recommended, terminated), the next due date and whether it is overdue';
