/* One page of alerts in the caller's counties as JSON text: open ones first, overdue first, then by due date; each with its point on the map, its change's dates and its parcel or batch. */
WITH matched AS (
  SELECT a.id, a.status, a.due_on, a.severity,
         a.status IN ('new','assigned','in_field') AS open
    FROM alert a
   WHERE (${scope}::text[] IS NULL OR a.county_code = ANY(${scope}::text[]))
     AND (${status}::text[] IS NULL OR a.status = ANY(${status}::text[]))
     AND (${type}::text[] IS NULL OR a.type = ANY(${type}::text[]))
     AND (${cluster}::text[] IS NULL OR a.cluster_code = ANY(${cluster}::text[]))
     AND (${county}::text[] IS NULL OR a.county_code = ANY(${county}::text[]))
     AND (${assignee}::text IS NULL OR a.assignee_id = (SELECT u.id FROM app_user u WHERE u.username = ${assignee}))
     AND (${open}::boolean IS NULL OR (a.status IN ('new','assigned','in_field')) = ${open})
     AND (${overdue}::boolean IS NULL
          OR (a.status IN ('new','assigned','in_field') AND a.due_on < luoyang_today()) = ${overdue})
     AND (${dueSoon}::boolean IS NULL
          OR (a.status IN ('new','assigned','in_field') AND a.due_on >= luoyang_today()
              AND a.due_on <= luoyang_today() + coalesce(analysis.rule(a.county_code, 'alert_due_soon_days', luoyang_today())::text::integer, 3)) = ${dueSoon})
     AND (${escalated}::boolean IS NULL OR (a.escalated_at IS NOT NULL) = ${escalated})
     AND (${parcel}::text IS NULL OR a.parcel_id = (SELECT p.id FROM parcel p WHERE p.code = ${parcel}))
),
page AS (
  SELECT m.id FROM matched m
   ORDER BY m.open DESC, (m.open AND m.due_on < luoyang_today()) DESC, m.due_on NULLS LAST,
            CASE m.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, m.id
   LIMIT ${limit} OFFSET ${offset}
)
SELECT json_build_object(
  'numberMatched', (SELECT count(*) FROM matched),
  'limit', ${limit}, 'offset', ${offset},
  'items', coalesce((
    SELECT json_agg(json_build_object(
             'id', a.id, 'type', a.type, 'severity', a.severity, 'status', a.status, 'version', a.version,
             'label', btrim(regexp_replace(a.reason ->> 'label', '\s*/\s+[A-Za-z].*$', '')),
             'county_code', a.county_code, 'cluster_code', a.cluster_code,
             'parcel_code', p.code, 'approval_no', b.approval_no,
             'change_code', r.code, 'period', r.period, 'change_type', r.change_type,
             'image_before', r.image_before, 'image_after', r.image_after,
             'overlap_m2', a.overlap_m2, 'overlap_share', a.overlap_share,
             'due_on', a.due_on,
             'overdue', a.status IN ('new','assigned','in_field') AND a.due_on < luoyang_today(),
             'days_overdue', CASE WHEN a.status IN ('new','assigned','in_field') AND a.due_on < luoyang_today()
                                  THEN luoyang_today() - a.due_on END,
             'assignee', u.username, 'assignee_name', u.display_name,
             'escalated_to', e.username, 'escalated_at', a.escalated_at,
             'created_at', a.created_at, 'updated_at', a.updated_at,
             'point', (SELECT json_build_array(round(ST_X(pt)::numeric, 7), round(ST_Y(pt)::numeric, 7))
                         FROM ST_PointOnSurface(coalesce(r.geom, p.geom, b.geom)) pt)
           ) ORDER BY pg.ord)
      FROM (SELECT id, row_number() OVER () AS ord FROM page) pg
      JOIN alert a ON a.id = pg.id
      LEFT JOIN rs_change r ON r.id = a.change_id
      LEFT JOIN parcel p ON p.id = a.parcel_id
      LEFT JOIN approval_batch b ON b.id = a.batch_id
      LEFT JOIN app_user u ON u.id = a.assignee_id
      LEFT JOIN app_user e ON e.id = a.escalated_to), '[]'::json)
)::text AS page
