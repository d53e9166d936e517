/* Recomputes every materialised result at a date; returns {as_of, duration_ms, findings, batches, changes}. */
SELECT analysis.refresh_all(${asOf}::date) AS result
