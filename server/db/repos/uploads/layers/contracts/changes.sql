/* Nothing: what the commit would change on the live contract with each staged feature's number (upload_feature.changed_fields). */
UPDATE upload_feature f
SET changed_fields = upload_contract_changes(c, (SELECT p.id FROM parcel p WHERE p.code = f.values->>'parcel_code'),
                                             f.values->>'supply_method', (f.values->>'signed_on')::date,
                                             upper(f.values->>'land_user_code'), (f.values->>'price_wan')::numeric,
                                             (f.values->>'agreed_start_on')::date, (f.values->>'agreed_completion_on')::date)
FROM supply_contract c
WHERE f.upload_id = ${uploadId} AND c.contract_no = f.key
