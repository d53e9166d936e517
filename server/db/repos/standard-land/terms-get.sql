/* The performance agreement's periods of contract ${contractId}, or no row. */
SELECT id, version, agreement_no, completion_check_by, production_check_by FROM standard_land_terms WHERE contract_id = ${contractId} FOR UPDATE
