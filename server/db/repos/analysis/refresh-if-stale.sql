/* Moves the snapshot to today (China Standard Time) when it is older or missing: the refresh result, or null when it was today's already. */
SELECT CASE WHEN coalesce((SELECT as_of FROM analysis.snapshot) < luoyang_today(), true)
            THEN analysis.refresh_all(luoyang_today()) END AS result
