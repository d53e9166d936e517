/* After the figures moved (enterprise-merge.sql): ratings (the surviving record's kept where both have a year), contracts,
   leases and aliases move to ${into}; ${from} becomes an alias and its rows go. Returns the contracts and leases moved. */
WITH
fig_gone AS (DELETE FROM enterprise_year WHERE credit_code = ${from} RETURNING 1),
rating_moved AS (
  UPDATE enterprise_rating r SET credit_code = ${into}, version = r.version + 1
   WHERE r.credit_code = ${from} AND NOT EXISTS (SELECT 1 FROM enterprise_rating o WHERE o.credit_code = ${into} AND o.year = r.year)
  RETURNING r.year
),
rating_gone AS (
  DELETE FROM enterprise_rating r WHERE r.credit_code = ${from} AND r.year NOT IN (SELECT year FROM rating_moved) RETURNING 1
),
contracts AS (
  UPDATE supply_contract SET land_user_code = ${into}, version = version + 1 WHERE land_user_code = ${from} RETURNING 1
),
leases AS (
  UPDATE lease SET landholder_code = CASE WHEN landholder_code = ${from} THEN ${into} ELSE landholder_code END,
                   tenant_code = CASE WHEN tenant_code = ${from} THEN ${into} ELSE tenant_code END,
                   version = version + 1
   WHERE landholder_code = ${from} OR tenant_code = ${from} RETURNING 1
),
aliases AS (UPDATE enterprise_alias SET credit_code = ${into} WHERE credit_code = ${from} RETURNING 1)
SELECT (SELECT count(*) FROM contracts)::int AS contracts, (SELECT count(*) FROM leases)::int AS leases,
       (SELECT count(*) FROM fig_gone)::int + (SELECT count(*) FROM rating_gone)::int + (SELECT count(*) FROM aliases)::int AS other
