/* The active inspectors an alert may be assigned to (their county scope holds the alert's county, or they are city-wide), with how many open alerts each already has, as JSON text; no row when the alert is missing or outside the caller's counties. */
SELECT json_build_object(
  'alert_id', a.id,
  'county_code', a.county_code,
  'assignee', (SELECT u.username FROM app_user u WHERE u.id = a.assignee_id),
  'inspectors', coalesce((
    SELECT json_agg(json_build_object('username', u.username, 'display_name', u.display_name,
             'city_wide', u.county_scope IS NULL,
             'open_alerts', (SELECT count(*) FROM alert o WHERE o.assignee_id = u.id AND o.status IN ('assigned', 'in_field')))
           ORDER BY u.county_scope IS NULL, u.display_name, u.username)
      FROM app_user u
     WHERE u.role = 'inspector' AND u.active
       AND (u.county_scope IS NULL OR a.county_code = ANY(u.county_scope))), '[]'::json)
)::text AS assignees
FROM alert a
WHERE a.id = ${id}
  AND (${scope}::text[] IS NULL OR a.county_code = ANY(${scope}::text[]))
