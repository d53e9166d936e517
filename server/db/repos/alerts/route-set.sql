/* The routing row of a cluster after setting its inspector (an active inspector whose scope holds the cluster's county); no row when the cluster is missing, out of scope, or the user is not such an inspector. */
INSERT INTO alert_route (cluster_code, county_code, user_id)
SELECT c.code, c.county_code, u.id
  FROM cluster c JOIN app_user u ON u.username = ${username} AND u.role = 'inspector' AND u.active
                                AND (u.county_scope IS NULL OR c.county_code = ANY(u.county_scope))
 WHERE c.code = ${cluster} AND (${scope}::text[] IS NULL OR c.county_code = ANY(${scope}::text[]))
ON CONFLICT (cluster_code) DO UPDATE SET user_id = EXCLUDED.user_id, updated_at = now()
RETURNING cluster_code, user_id
