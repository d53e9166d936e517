/* The standard-land workflow's table (sql/functions/standard-land-4-workflow.sql). */
SELECT * FROM analysis.standard_land_transitions()
