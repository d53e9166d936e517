/* The life-cycle dates of a parcel's development other than event ${exceptId}: latest start, completion and acceptances, and the first contract signing. */
SELECT max(d.occurred_on) FILTER (WHERE d.kind = 'start') AS start,
       max(d.occurred_on) FILTER (WHERE d.kind = 'completion') AS completion,
       max(d.occurred_on) FILTER (WHERE d.kind = 'completion_acceptance') AS completion_acceptance,
       min(d.occurred_on) FILTER (WHERE d.kind = 'completion') AS first_completion,
       (SELECT min(c.signed_on) FROM supply_contract c WHERE c.parcel_id = ${parcelId}) AS signed_on,
       luoyang_today() AS today
  FROM development_event d
 WHERE d.parcel_id = ${parcelId} AND d.id IS DISTINCT FROM ${exceptId}::bigint
