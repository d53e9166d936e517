/* Ends a lease on a date; bumps its version. */
UPDATE lease SET ends_on = ${endsOn}::date, note = coalesce(${note}, note), version = version + 1 WHERE id = ${id}
