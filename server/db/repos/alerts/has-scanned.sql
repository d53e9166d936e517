/* Whether the alert rules have ever run (a recorded scan), and whether there are change polygons to run them on. */
SELECT EXISTS (SELECT 1 FROM alert_scan) AS scanned, EXISTS (SELECT 1 FROM rs_change) AS changes
