/* The condition that enterprise e is visible to the caller (a WHERE clause body): registered in one of their counties, or holding or renting land there. */
(${scope}::text[] IS NULL
 OR e.county_code = ANY(${scope}::text[])
 OR EXISTS (SELECT 1 FROM supply_contract c WHERE c.land_user_code = e.credit_code AND c.county_code = ANY(${scope}::text[]))
 OR EXISTS (SELECT 1 FROM lease l WHERE l.tenant_code = e.credit_code AND l.county_code = ANY(${scope}::text[])))
