/* What is overdue at ${asOf} in the caller's counties: completion and production checks past their period, rectifications past their deadline, recommended terminations not yet done; each with the contract, the parcel and the days overdue, as JSON text. */
WITH items AS (
  SELECT s.*, i AS item
  FROM analysis.standard_land_status(${asOf}::date) s CROSS JOIN LATERAL jsonb_array_elements(s.overdue_items) i
  WHERE (${scope}::text[] IS NULL OR s.county_code = ANY(${scope}::text[]))
    AND (${county}::text[] IS NULL OR s.county_code = ANY(${county}::text[]))
    AND (${cluster}::text[] IS NULL OR s.cluster_code = ANY(${cluster}::text[]))
),
j AS (
  SELECT x.item->>'item' AS kind, x.item->'days_overdue' AS days, x.contract_no,
    jsonb_build_object('contract_no', x.contract_no, 'parcel_code', x.parcel_code, 'county_code', x.county_code,
                       'cluster_code', x.cluster_code, 'land_user_name', x.land_user_name, 'status', x.status)
      || (x.item - 'item') AS v
  FROM items x
)
SELECT json_build_object(
  'as_of', ${asOf}::date,
  'checks', coalesce((SELECT json_agg(j.v || jsonb_build_object('check', CASE j.kind WHEN 'completion_check' THEN 'completion' ELSE 'production' END)
                       ORDER BY (j.days)::int DESC, j.contract_no) FROM j WHERE j.kind IN ('completion_check','production_check')), '[]'::json),
  'rectifications', coalesce((SELECT json_agg(j.v ORDER BY (j.days)::int DESC, j.contract_no) FROM j WHERE j.kind = 'rectification'), '[]'::json),
  'terminations', coalesce((SELECT json_agg(j.v ORDER BY (j.days)::int DESC, j.contract_no) FROM j WHERE j.kind = 'termination'), '[]'::json)
)::text AS overdue
