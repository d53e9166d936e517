/* The contract an edit is about, locked until the transaction ends, with the values the edit is checked against; no row when missing or out of scope. */
SELECT c.id, c.version, c.county_code, c.signed_on, c.agreed_start_on, c.agreed_completion_on, c.terminated_on,
       c.term_years, c.major_project, c.land_user_code
  FROM supply_contract c
 WHERE c.contract_no = ${no}
   AND (${scope}::text[] IS NULL OR c.county_code = ANY(${scope}::text[]))
   FOR UPDATE
