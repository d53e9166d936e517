/* {event_id, inserted}: records the start (动工) a confirmed alert found, unless the parcel already has a start on or before that date; moves a parcel still staged approved/supplied to under_construction. */
WITH earlier AS (
  SELECT d.id FROM development_event d
   WHERE d.parcel_id = ${parcelId} AND d.kind = 'start' AND d.occurred_on <= ${startedOn}::date
   ORDER BY d.occurred_on, d.id LIMIT 1
), ins AS (
  INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, note, recorded_by)
  SELECT p.id, p.county_code, 'start', ${startedOn}::date, ${note}, ${recordedBy}
    FROM parcel p WHERE p.id = ${parcelId} AND NOT EXISTS (SELECT 1 FROM earlier)
  RETURNING id
), stage AS (
  UPDATE parcel SET stage = 'under_construction', version = version + 1, updated_at = now()
   WHERE id = ${parcelId} AND stage IN ('approved','supplied') AND EXISTS (SELECT 1 FROM ins)
  RETURNING id
)
SELECT coalesce((SELECT id FROM ins), (SELECT id FROM earlier)) AS event_id, EXISTS (SELECT 1 FROM ins) AS inserted,
       EXISTS (SELECT 1 FROM stage) AS stage_changed
