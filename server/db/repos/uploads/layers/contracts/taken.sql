/* A boolean over the staged feature f: a live contract with its number lies outside ${scope}. */
EXISTS (SELECT 1 FROM supply_contract c WHERE c.contract_no = f.key AND NOT (c.county_code = ANY(${scope}::text[])))
