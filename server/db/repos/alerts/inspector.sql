/* The active inspector an alert may be assigned to: one whose county scope holds the alert's county, or a city-wide one; no row otherwise. */
SELECT u.id, u.username
  FROM app_user u
 WHERE u.username = ${username} AND u.role = 'inspector' AND u.active
   AND (u.county_scope IS NULL OR ${county}::text = ANY(u.county_scope))
