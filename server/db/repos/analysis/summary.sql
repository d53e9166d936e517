/* Counts and areas per cluster, county and city at a date, within the caller's counties. */
SELECT analysis.summary(${asOf}::date, ${scope}::text[]) AS summary
