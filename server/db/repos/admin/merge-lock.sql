/* The two enterprises of a merge, locked in code order (no deadlock between two merges), with their names and counties. */
SELECT credit_code, name, county_code, EXISTS (SELECT 1 FROM enterprise_year y WHERE y.credit_code = e.credit_code) AS has_figures
  FROM enterprise e WHERE credit_code IN (${into}, ${from}) ORDER BY credit_code FOR UPDATE
