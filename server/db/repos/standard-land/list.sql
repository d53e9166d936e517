/* One page of standard-land contracts at ${asOf} in the caller's counties, with where each stands, the next due date and whether it is overdue, as JSON text. */
WITH s AS MATERIALIZED (
  SELECT s.* FROM analysis.standard_land_status(${asOf}::date) s
  WHERE (${scope}::text[] IS NULL OR s.county_code = ANY(${scope}::text[]))
    AND (${county}::text[] IS NULL OR s.county_code = ANY(${county}::text[]))
    AND (${cluster}::text[] IS NULL OR s.cluster_code = ANY(${cluster}::text[]))
    AND (${status}::text[] IS NULL OR s.status = ANY(${status}::text[]))
    AND (${overdue}::boolean IS NULL OR s.overdue = ${overdue})
),
page AS (SELECT s.* FROM s ORDER BY s.next_due NULLS LAST, s.contract_no LIMIT ${limit} OFFSET ${offset})
SELECT json_build_object(
  'as_of', ${asOf}::date,
  'total', (SELECT count(*) FROM s),
  'counts', (SELECT coalesce(json_object_agg(x.status, x.n), '{}'::json) FROM (SELECT status, count(*) AS n FROM s GROUP BY status) x),
  'overdue', (SELECT count(*) FROM s WHERE s.overdue),
  'limit', ${limit}::int, 'offset', ${offset}::int,
  'items', coalesce((SELECT json_agg(json_build_object(
      'contract_no', p.contract_no, 'parcel_code', p.parcel_code, 'county_code', p.county_code, 'cluster_code', p.cluster_code,
      'land_user_code', p.land_user_code, 'land_user_name', p.land_user_name, 'signed_on', p.signed_on,
      'term_years', p.term_years, 'major_project', p.major_project, 'agreement_no', p.agreement_no,
      'completion_check_by', p.completion_check_by, 'production_check_by', p.production_check_by,
      'completion_passed_on', p.completion_passed_on, 'production_passed_on', p.production_passed_on,
      'checks', p.checks, 'failed_checks', p.failed_checks, 'open_rectification', p.open_rectification,
      'termination_recommended_on', p.termination_recommended_on, 'termination_due', p.termination_due,
      'terminated_on', p.terminated_on, 'status', p.status, 'next_due', p.next_due, 'overdue', p.overdue,
      'overdue_items', p.overdue_items
    ) ORDER BY p.next_due NULLS LAST, p.contract_no) FROM page p), '[]'::json)
)::text AS page
