/* The file (一地一档) of one parcel as JSON text: every dated event in order, with who and when and old → new values; sensitive values only for ${sensitive}; a page of ${limit} (null: all) from ${offset}, with the total; no row when missing or out of scope. */
WITH p AS (
  SELECT p.id, p.code, p.geom
    FROM parcel p
   WHERE p.code = ${code}
     AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
),
contracts AS (
  SELECT c.id, c.land_user_code FROM supply_contract c JOIN p ON c.parcel_id = p.id
),
-- the enterprises on this land: land users of its contracts, landholders and tenants of its leases
firms AS (
  SELECT land_user_code::text AS credit_code FROM contracts WHERE land_user_code IS NOT NULL
  UNION SELECT l.tenant_code::text FROM lease l JOIN p ON l.parcel_id = p.id
  UNION SELECT l.landholder_code::text FROM lease l JOIN p ON l.parcel_id = p.id
),
logged AS (
  SELECT e.* FROM event_log e JOIN p ON e.parcel_id = p.id
  UNION ALL
  SELECT e.* FROM event_log e
   WHERE e.entity = 'contract_indicator'
     AND (coalesce(e.new_value, e.old_value)->>'contract_id')::bigint IN (SELECT id FROM contracts)
  UNION ALL
  SELECT e.* FROM event_log e
   WHERE e.entity = 'enterprise' AND e.entity_id IN (SELECT credit_code FROM firms)
  UNION ALL
  -- yearly tax and output: the whole event is sensitive
  SELECT e.* FROM event_log e
   WHERE ${sensitive} AND e.entity = 'enterprise_year' AND e.entity_id IN (SELECT credit_code FROM firms)
),
-- the values as logged, a parcel's shape under geom as GeoJSON (event_value, migration 1021)
valued AS (
  SELECT l.id, l.occurred_at, l.actor, l.entity, l.entity_id, l.action, l.note,
         event_value(l.old_value, l.old_geom) AS old_value, event_value(l.new_value, l.new_geom) AS new_value
    FROM logged l
),
shown AS (
  SELECT v.*,
         redact_sensitive(v.old_value, ${sensitive}) AS old_v,
         redact_sensitive(v.new_value, ${sensitive}) AS new_v
    FROM valued v
),
events AS (
  SELECT s.id,
         -- the day it happened: the business date a record carries, else the day it was recorded
         coalesce(
           CASE WHEN s.action = 'insert' THEN
             CASE s.entity
               WHEN 'supply_contract' THEN (s.new_value->>'signed_on')::date
               WHEN 'development_event' THEN (s.new_value->>'occurred_on')::date
               WHEN 'lease' THEN (s.new_value->>'starts_on')::date
             END
           END,
           (s.occurred_at AT TIME ZONE 'Asia/Shanghai')::date) AS on_date,
         s.occurred_at AS recorded_at,
         s.actor,
         CASE
           WHEN s.entity = 'parcel' AND s.action = 'insert' THEN 'registration'
           WHEN s.entity = 'parcel' AND s.action = 'update' AND s.old_value->>'retired_at' IS NULL
                AND s.new_value->>'retired_at' IS NOT NULL THEN 'retirement'
           WHEN s.entity = 'parcel' AND s.action = 'update' AND s.old_value->'geom' IS DISTINCT FROM s.new_value->'geom'
                THEN 'geometry_change'
           WHEN s.entity = 'parcel' THEN 'attribute_change'
           WHEN s.entity = 'supply_contract' THEN 'supply'
           WHEN s.entity = 'contract_indicator' THEN 'contract_indicator'
           WHEN s.entity = 'development_event' AND coalesce(s.new_value, s.old_value)->>'kind' = 'inspection' THEN 'inspection'
           WHEN s.entity = 'development_event' THEN 'development'
           WHEN s.entity = 'disposal_ledger' THEN 'disposal'
           WHEN s.entity = 'alert' THEN 'alert'
           WHEN s.entity = 'lease' THEN 'lease'
           WHEN s.entity = 'enterprise_year' THEN 'figures'
           ELSE s.entity
         END AS type,
         s.entity, s.entity_id, s.action, s.note,
         -- the commit of an upload names itself in the note ("upload <id>", server/db/repos/uploads)
         substring(s.note FROM '^upload (\S+)') AS upload,
         CASE WHEN s.action = 'update' THEN (
           SELECT coalesce(jsonb_agg(jsonb_build_object('field', n.key, 'old', o.value, 'new', n.value) ORDER BY n.key), '[]'::jsonb)
             FROM jsonb_each(s.new_v) n LEFT JOIN jsonb_each(s.old_v) o ON o.key = n.key
            WHERE n.value IS DISTINCT FROM o.value AND n.key NOT IN ('version', 'updated_at'))
         END AS changes,
         CASE WHEN s.action = 'insert' THEN s.new_v WHEN s.action = 'delete' THEN s.old_v END AS value,
         -- a change of sensitive fields only: who and when stay visible, the values do not
         NOT ${sensitive} AND s.action = 'update' AND s.old_v - 'version' - 'updated_at' = s.new_v - 'version' - 'updated_at' AS redacted
    FROM shown s
  UNION ALL
  -- approval (批次): the batches the parcel lies on, dated by their approval
  SELECT NULL, b.approved_on, b.created_at, NULL, 'approval', 'approval_batch', b.id::text, 'approved', NULL, NULL,
         NULL,
         jsonb_build_object('approval_no', b.approval_no, 'name', b.name, 'approved_on', b.approved_on,
                            'overlap_m2', round(ellipsoidal_area_m2(ST_Intersection(b.geom, p.geom))::numeric, 2)),
         false
    FROM approval_batch b JOIN p ON b.geom && p.geom AND ST_Intersects(b.geom, p.geom) AND NOT ST_Touches(b.geom, p.geom)
)
, ordered AS (
  SELECT e.*, row_number() OVER (ORDER BY e.on_date, e.recorded_at, e.id NULLS FIRST) AS n FROM events e
)
SELECT json_build_object(
  'code', (SELECT code FROM p),
  'total', (SELECT count(*) FROM ordered),
  'offset', ${offset},
  'limit', ${limit},
  'events', coalesce((
    SELECT json_agg(json_build_object(
             'id', e.id, 'on', e.on_date, 'recorded_at', e.recorded_at, 'actor', e.actor,
             'actor_name', (SELECT u.display_name FROM app_user u WHERE e.actor = 'user:' || u.username), 'type', e.type,
             'entity', e.entity, 'entity_id', e.entity_id, 'action', e.action, 'note', e.note, 'upload', e.upload,
             'changes', e.changes, 'value', e.value, 'redacted', e.redacted
           ) ORDER BY e.n)
      FROM ordered e
     WHERE e.n > ${offset} AND (${limit}::int IS NULL OR e.n <= ${offset} + ${limit}::int)), '[]'::json)
)::text AS file
FROM p
