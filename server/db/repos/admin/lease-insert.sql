/* Records a lease of a parcel (annex 3 art. 14); returns its id. */
INSERT INTO lease (parcel_id, county_code, landholder_code, tenant_code, starts_on, ends_on, area_m2, doc_no, note)
VALUES (${parcelId}, ${county}, ${landholder}, ${tenant}, ${startsOn}::date, ${endsOn}::date, ${areaM2}, ${docNo}, ${note})
RETURNING id
