/* Events recorded after a data version (within a scope, plus those of no county), counted per table. */
SELECT coalesce(jsonb_object_agg(s.entity, s.n), '{}'::jsonb) AS by_entity, coalesce(sum(s.n), 0)::integer AS total
FROM (
  SELECT e.entity, count(*) AS n FROM event_log e
  WHERE e.id > ${dataVersion}
    AND (${scope}::text[] IS NULL OR e.county_code IS NULL OR e.county_code = ANY(${scope}::text[]))
  GROUP BY e.entity
) s
