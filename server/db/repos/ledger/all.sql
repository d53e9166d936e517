/* One page of the disposal ledger across parcels in the caller's counties as JSON text, by deadline (overdue first when asked for open entries). */
WITH matched AS (
  SELECT l.id, l.deadline
    FROM disposal_ledger l JOIN parcel p ON p.id = l.parcel_id
   WHERE (${scope}::text[] IS NULL OR l.county_code = ANY(${scope}::text[]))
     AND (${county}::text[] IS NULL OR l.county_code = ANY(${county}::text[]))
     AND (${cluster}::text[] IS NULL OR p.cluster_code = ANY(${cluster}::text[]))
     AND (${measure}::text[] IS NULL OR l.measure = ANY(${measure}::text[]))
     AND (${open}::boolean IS NULL OR (l.completed_on IS NULL) = ${open})
     AND (${overdue}::boolean IS NULL OR (l.completed_on IS NULL AND l.deadline < luoyang_today()) = ${overdue})
)
SELECT json_build_object(
  'numberMatched', (SELECT count(*) FROM matched),
  'items', coalesce((
    SELECT json_agg(json_build_object(
             'id', l.id, 'parcel_code', p.code, 'county_code', l.county_code, 'cluster_code', p.cluster_code,
             'measure', l.measure, 'cause', l.cause, 'deadline', l.deadline, 'responsible_unit', l.responsible_unit,
             'progress', l.progress, 'completed_on', l.completed_on,
             'overdue', l.completed_on IS NULL AND l.deadline < luoyang_today(),
             'days_overdue', CASE WHEN l.completed_on IS NULL AND l.deadline < luoyang_today() THEN luoyang_today() - l.deadline END,
             'version', l.version
           ) ORDER BY l.deadline, l.id)
      FROM (SELECT m.id FROM matched m ORDER BY m.deadline, m.id LIMIT ${limit} OFFSET ${offset}) pg
      JOIN disposal_ledger l ON l.id = pg.id
      JOIN parcel p ON p.id = l.parcel_id), '[]'::json)
)::text AS page
