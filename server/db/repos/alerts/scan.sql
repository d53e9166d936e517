/* The result of a scan (alert rules at a date, then escalation of the overdue), recorded in alert_scan. */
WITH r AS (
  SELECT analysis.refresh_alerts(coalesce(${asOf}::date, luoyang_today()), ${changeIds}::bigint[], ${types}::text[]) AS result
), e AS (
  SELECT analysis.escalate_alerts(luoyang_today()) AS n
)
INSERT INTO alert_scan (trigger, as_of, actor, started_at, finished_at, result)
SELECT ${trigger}, coalesce(${asOf}::date, luoyang_today()), current_actor(), clock_timestamp() - ((r.result ->> 'duration_ms')::integer * interval '1 ms'),
       clock_timestamp(), r.result || jsonb_build_object('escalated', e.n)
  FROM r, e
RETURNING id, result
