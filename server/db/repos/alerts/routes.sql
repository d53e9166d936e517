/* The cluster → inspector routing in the caller's counties as JSON text. */
SELECT coalesce(json_agg(json_build_object('cluster_code', c.code, 'cluster_name', c.name, 'county_code', c.county_code,
                                           'inspector', u.username, 'inspector_name', u.display_name, 'updated_at', r.updated_at)
                         ORDER BY c.county_code, c.code), '[]'::json)::text AS routes
  FROM cluster c LEFT JOIN alert_route r ON r.cluster_code = c.code LEFT JOIN app_user u ON u.id = r.user_id
 WHERE (${scope}::text[] IS NULL OR c.county_code = ANY(${scope}::text[]))
