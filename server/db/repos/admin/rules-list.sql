/* Every county rule with all its versions (city-wide rows and the caller's counties), oldest first, who recorded each (from the event log) and the version in force today per owner. */
SELECT coalesce(jsonb_agg(k.rule ORDER BY k.key), '[]'::jsonb) AS rules
FROM (
  SELECT r.key, jsonb_build_object(
    'key', r.key,
    'versions', jsonb_agg(jsonb_build_object(
      'id', r.id, 'county_code', r.county_code, 'value', r.value, 'effective_from', r.effective_from,
      'note', r.note, 'created_at', r.created_at, 'created_by', w.actor, 'created_by_name', w.name,
      'in_force', r.effective_from <= ${today}::date AND NOT EXISTS (
        SELECT 1 FROM county_rule n
         WHERE n.key = r.key AND n.county_code IS NOT DISTINCT FROM r.county_code
           AND n.effective_from > r.effective_from AND n.effective_from <= ${today}::date))
      ORDER BY r.county_code NULLS FIRST, r.effective_from)) AS rule
  FROM county_rule r
  LEFT JOIN LATERAL (
    SELECT e.actor, u.display_name AS name FROM event_log e
    LEFT JOIN app_user u ON e.actor = 'user:' || u.username
    WHERE e.entity = 'county_rule' AND e.entity_id = r.id::text AND e.action = 'insert'
    ORDER BY e.id LIMIT 1) w ON true
  WHERE (r.county_code IS NULL OR ${scope}::text[] IS NULL OR r.county_code = ANY(${scope}::text[]))
    AND (${key}::text IS NULL OR r.key = ${key})
  GROUP BY r.key
) k
