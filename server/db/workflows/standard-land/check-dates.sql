/* The dates a check on ${on} in county ${county} sets: the latest and the default rectification deadline, the due date of a recommended termination (analysis.standard_land_check_dates). */
SELECT max_deadline, deadline, termination_due FROM analysis.standard_land_check_dates(${county}, ${on}::date)
