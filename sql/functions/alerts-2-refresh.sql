/* Writing the alerts (DOMAIN.md "Dynamic monitoring"): link repeated detections, insert the candidates of
   analysis.alert_candidates that are new subjects, add later detections to the alert they repeat,
   route new alerts to inspectors with a due date by severity, and escalate overdue ones to the
   county's analyst. Every write is an UPDATE or INSERT on alert, so the event-log trigger records
   it with current_actor() (一地一档). Functions that write are VOLATILE plpgsql. */

SET LOCAL check_function_bodies = off;

-- Repeated detections: a change of a later image date whose overlap with an earlier
-- one is at least change_link_share of the smaller polygon is the same change; it links to the
-- first detection (the root), never to another repeat, so that every detection of one change
-- names one root. Chains loaded from elsewhere are shortened to the root first.
CREATE OR REPLACE FUNCTION analysis.link_changes(change_ids bigint[] DEFAULT NULL, as_of date DEFAULT NULL)
  RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  d date := coalesce(as_of, luoyang_today());
  n integer := 0;
  k integer;
  day date;
BEGIN
  WITH RECURSIVE up(id, root, depth) AS (
    SELECT c.id, c.linked_to, 1 FROM rs_change c
    WHERE c.linked_to IS NOT NULL AND (change_ids IS NULL OR c.id = ANY(change_ids))
    UNION ALL
    SELECT up.id, c.linked_to, up.depth + 1 FROM up JOIN rs_change c ON c.id = up.root
    WHERE c.linked_to IS NOT NULL AND up.depth < 1000
  ), roots AS (
    SELECT DISTINCT ON (up.id) up.id, up.root FROM up ORDER BY up.id, up.depth DESC
  )
  UPDATE rs_change c SET linked_to = r.root FROM roots r WHERE c.id = r.id AND c.linked_to IS DISTINCT FROM r.root;
  GET DIAGNOSTICS k = ROW_COUNT;
  n := n + k;
  -- Image date by image date, so that a set holding several periods links each to the ones before.
  FOR day IN SELECT DISTINCT c.image_after FROM rs_change c
             WHERE c.linked_to IS NULL AND (change_ids IS NULL OR c.id = ANY(change_ids)) ORDER BY 1 LOOP
    WITH cand AS (
      SELECT DISTINCT ON (c.id) c.id, coalesce(e.linked_to, e.id) AS root
      FROM rs_change c
      JOIN analysis.rules_at(d) rs ON rs.county_code IS NOT DISTINCT FROM c.county_code
      JOIN rs_change e ON e.geom && c.geom AND e.image_after < c.image_after AND e.period <> c.period AND e.id <> c.id
      CROSS JOIN LATERAL (SELECT ellipsoidal_area_m2(ST_CollectionExtract(ST_Intersection(e.geom, c.geom), 3)) AS raw OFFSET 0) x
      WHERE c.image_after = day AND c.linked_to IS NULL AND (change_ids IS NULL OR c.id = ANY(change_ids))
        AND ST_Intersects(e.geom, c.geom)
        AND x.raw >= analysis.rule_num(rs.rules, 'change_link_share') * least(e.area_m2, c.area_m2)
      ORDER BY c.id, e.image_after, e.id
    )
    UPDATE rs_change c SET linked_to = cand.root FROM cand WHERE c.id = cand.id;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
  END LOOP;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.link_changes(bigint[], date) IS
  'links each given change (NULL: all) to the first detection of the same change in an earlier period (overlap ≥ change_link_share of the smaller polygon); shortens chains to the root; returns the rows updated';

-- Routing (who verifies in the field): the cluster's inspector (alert_route), else the active inspectors whose
-- county scope holds the alert's county, in turn, fewest open alerts first; city-wide inspectors
-- only where a county has none of its own.
-- The alerts were inserted a moment ago and have no statistics yet: the planner would take each
-- CTE for one row and rescan the pool once per alert (seconds for a few thousand). Hash joins
-- (nestloop off) and the pick made inside the pool keep it linear.
CREATE OR REPLACE FUNCTION analysis.assign_alerts(alert_ids bigint[]) RETURNS integer
  LANGUAGE plpgsql SET enable_nestloop = off AS $$
DECLARE
  n integer;
BEGIN
  WITH todo AS MATERIALIZED (
    SELECT a.id, a.county_code, a.cluster_code,
      row_number() OVER (PARTITION BY a.county_code ORDER BY a.id) - 1 AS rn
    FROM alert a
    WHERE a.id = ANY(alert_ids) AND a.status = 'new' AND a.assignee_id IS NULL
  ),
  load AS (
    SELECT a.assignee_id, count(*) AS open FROM alert a
    WHERE a.status IN ('assigned','in_field') AND a.assignee_id IS NOT NULL GROUP BY a.assignee_id
  ),
  -- the county's inspectors, fewest open alerts first; alert number rn of a county takes the
  -- (rn mod n)-th of its n inspectors
  chosen AS MATERIALIZED (
    SELECT x.alert_id, x.user_id FROM (
      SELECT t.id AS alert_id, u.id AS user_id, t.rn,
        row_number() OVER (PARTITION BY t.id ORDER BY coalesce(l.open, 0), u.id) - 1 AS k,
        count(*) OVER (PARTITION BY t.id) AS n
      FROM todo t
      JOIN app_user u ON u.role = 'inspector' AND u.active
        AND (t.county_code = ANY(u.county_scope)
             OR (u.county_scope IS NULL AND NOT EXISTS (
                   SELECT 1 FROM app_user v WHERE v.role = 'inspector' AND v.active AND t.county_code = ANY(v.county_scope))))
      LEFT JOIN load l ON l.assignee_id = u.id
    ) x WHERE x.k = x.rn % x.n
  ),
  pick AS (
    SELECT t.id, coalesce(r.user_id, c.user_id) AS user_id
    FROM todo t
    LEFT JOIN alert_route r ON r.cluster_code = t.cluster_code
      AND EXISTS (SELECT 1 FROM app_user u WHERE u.id = r.user_id AND u.active)
    LEFT JOIN chosen c ON c.alert_id = t.id
  )
  UPDATE alert a SET assignee_id = pick.user_id, status = 'assigned', assigned_at = now(), updated_at = now(),
                     version = a.version + 1
  FROM pick WHERE a.id = pick.id AND pick.user_id IS NOT NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.assign_alerts(bigint[]) IS
  'assigns new unassigned alerts to the cluster''s routed inspector, else in turn to the inspectors of the alert''s county; returns the number assigned';

-- The writer: candidates at a date → alerts (one per type and subject, ever), detections linked,
-- new alerts routed and given a due date (alert_due_days by severity, from today in Luoyang).
-- Serialised by an advisory lock: two refreshes at once cannot both insert a subject.
CREATE OR REPLACE FUNCTION analysis.refresh_alerts(as_of date DEFAULT NULL, change_ids bigint[] DEFAULT NULL,
                                                   alert_types text[] DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  d date := coalesce(as_of, luoyang_today());
  t0 timestamptz := clock_timestamp();
  linked integer := 0;
  n_cand integer;
  n_new integer;
  n_links integer;
  new_ids bigint[];
  n_assigned integer;
BEGIN
  PERFORM pg_advisory_xact_lock(4103400, 0);
  IF alert_types IS NULL OR alert_types && ARRAY['construction_on_unsupplied','construction_on_idle','demolition_on_producing','change_outside_cluster'] THEN
    linked := analysis.link_changes(change_ids, d);
  END IF;
  WITH cand AS MATERIALIZED (
    SELECT * FROM analysis.alert_candidates(d, change_ids, alert_types)
  ),
  -- the subjects seen for the first time: only these are written, and only these are worded
  fresh AS (
    SELECT DISTINCT ON (c.type, c.subject_key) c.*
    FROM cand c
    WHERE NOT EXISTS (SELECT 1 FROM alert a WHERE a.type = c.type AND a.subject_key = c.subject_key)
    ORDER BY c.type, c.subject_key, c.seen_on, c.change_id
  ),
  ins AS (
    INSERT INTO alert (type, severity, status, subject_key, change_id, root_change_id, parcel_id, batch_id, contract_id, county_code,
                       cluster_code, overlap_m2, overlap_share, reason, as_of, due_on)
    SELECT f.type, f.severity, 'new', f.subject_key, f.change_id, f.root_change_id, f.parcel_id, f.batch_id, f.contract_id, f.county_code,
           f.cluster_code, f.overlap_m2, f.overlap_share,
           analysis.alert_reason(d, f.type, r.rules, ch, p.code, p.stage, k, b, f.overlap_m2, f.overlap_share, f.built_on,
                                 f.halted_on, f.completed_on, f.batch_overlap_m2),
           d, luoyang_today() + coalesce((analysis.rule(f.county_code, 'alert_due_days', d) ->> f.severity)::integer, 15)
    FROM fresh f
    JOIN analysis.rules_at(d) r ON r.county_code IS NOT DISTINCT FROM f.rule_county
    LEFT JOIN rs_change ch ON ch.id = f.change_id
    LEFT JOIN parcel p ON p.id = f.parcel_id
    LEFT JOIN supply_contract k ON k.id = f.contract_id
    LEFT JOIN approval_batch b ON b.id = f.batch_id
    ON CONFLICT DO NOTHING
    RETURNING id, type, subject_key
  ),
  keys AS (
    SELECT i.id, i.type, i.subject_key FROM ins i
    UNION ALL
    SELECT a.id, a.type, a.subject_key FROM alert a
    WHERE (a.type, a.subject_key) IN (SELECT c.type, c.subject_key FROM cand c)
  ),
  links AS (
    INSERT INTO alert_change (alert_id, change_id, overlap_m2, overlap_share)
    SELECT k.id, c.change_id, c.overlap_m2, c.overlap_share
    FROM cand c JOIN keys k ON k.type = c.type AND k.subject_key = c.subject_key
    WHERE c.change_id IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM cand), (SELECT count(*) FROM ins), (SELECT array_agg(i.id) FROM ins i), (SELECT count(*) FROM links)
  INTO n_cand, n_new, new_ids, n_links;
  n_assigned := analysis.assign_alerts(coalesce(new_ids, '{}'));
  RETURN jsonb_build_object('as_of', d, 'candidates', n_cand, 'created', n_new, 'assigned', n_assigned,
                            'detections_linked', n_links, 'changes_linked', linked,
                            'duration_ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000)::integer);
END $$;
COMMENT ON FUNCTION analysis.refresh_alerts(date, bigint[], text[]) IS
  'evaluates the alert rules at a date (default today in Luoyang) for the given changes (NULL: all, and the parcel scan) and types (NULL: all); inserts new subjects only, links repeat detections, routes new alerts; returns counts and duration_ms';

-- Overdue: open alerts past their due date go to the county's analyst (an analyst whose
-- scope holds the county, else a city-wide one), once.
CREATE OR REPLACE FUNCTION analysis.escalate_alerts(today date DEFAULT NULL) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  d date := coalesce(today, luoyang_today());
  n integer;
BEGIN
  WITH due AS (
    SELECT a.id,
      (SELECT u.id FROM app_user u
       WHERE u.role = 'analyst' AND u.active AND (a.county_code = ANY(u.county_scope) OR u.county_scope IS NULL)
       ORDER BY (u.county_scope IS NULL), cardinality(u.county_scope), u.id LIMIT 1) AS analyst
    FROM alert a
    WHERE a.status IN ('new','assigned','in_field') AND a.due_on < d AND a.escalated_at IS NULL
  )
  UPDATE alert a SET escalated_to = due.analyst, escalated_at = now(), updated_at = now(), version = a.version + 1
  FROM due WHERE a.id = due.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION analysis.escalate_alerts(date) IS
  'marks open alerts past their due date as escalated to the county''s analyst (NULL when the county has none); returns the number escalated';

RESET check_function_bodies;
