/* Sets the performance agreement's number and check periods of a contract (协议约定的验收期限); returns the version. */
INSERT INTO standard_land_terms (contract_id, parcel_id, county_code, agreement_no, completion_check_by, production_check_by)
VALUES (${contractId}, ${parcelId}, ${countyCode}, ${agreement_no}, ${completion_check_by}, ${production_check_by})
ON CONFLICT (contract_id) DO UPDATE SET agreement_no = EXCLUDED.agreement_no,
  completion_check_by = EXCLUDED.completion_check_by, production_check_by = EXCLUDED.production_check_by,
  version = standard_land_terms.version + 1
RETURNING version
