/* Opens the rectification a failed check gives (annex 2 art. 12, at most two years), with its ledger entry; returns its id. */
INSERT INTO standard_land_rectification (contract_id, parcel_id, county_code, kind, failed_check_id, opened_on, deadline, ledger_id)
VALUES (${contractId}, ${parcelId}, ${countyCode}, ${kind}, ${checkId}, ${on}, ${deadline}, ${ledgerId})
RETURNING id
