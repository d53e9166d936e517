/* {inserted, updated, unchanged}: writes the accepted staged supply contracts (供地), matched to
   their parcels by 宗地编号 (the polygon only located them); an existing one only where
   upload_contract_changes (migration 831) finds a change. */
WITH src AS (
  SELECT f.key AS contract_no, p.id AS parcel_id, p.county_code,
         f.values->>'supply_method' AS supply_method,
         upper(f.values->>'land_user_code') AS land_user_code,
         p.land_use,
         (f.values->>'signed_on')::date AS signed_on,
         (f.values->>'price_wan')::numeric AS price_wan,
         (f.values->>'agreed_start_on')::date AS agreed_start_on,
         (f.values->>'agreed_completion_on')::date AS agreed_completion_on
  FROM upload_feature f
  JOIN parcel p ON p.code = f.values->>'parcel_code'
  WHERE f.upload_id = ${uploadId}
    AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
), written AS (
  INSERT INTO supply_contract AS c (contract_no, parcel_id, county_code, supply_method, land_user_code, land_use,
                                    signed_on, price_wan, agreed_start_on, agreed_completion_on)
  SELECT contract_no, parcel_id, county_code, supply_method, land_user_code, land_use,
         signed_on, price_wan, agreed_start_on, agreed_completion_on FROM src
  ON CONFLICT (contract_no) DO UPDATE SET
    parcel_id = EXCLUDED.parcel_id,
    county_code = EXCLUDED.county_code,
    supply_method = EXCLUDED.supply_method,
    land_user_code = coalesce(EXCLUDED.land_user_code, c.land_user_code),
    signed_on = EXCLUDED.signed_on,
    price_wan = coalesce(EXCLUDED.price_wan, c.price_wan),
    agreed_start_on = coalesce(EXCLUDED.agreed_start_on, c.agreed_start_on),
    agreed_completion_on = coalesce(EXCLUDED.agreed_completion_on, c.agreed_completion_on),
    version = c.version + 1
  WHERE cardinality(upload_contract_changes(c, EXCLUDED.parcel_id, EXCLUDED.supply_method, EXCLUDED.signed_on,
                                            EXCLUDED.land_user_code, EXCLUDED.price_wan, EXCLUDED.agreed_start_on,
                                            EXCLUDED.agreed_completion_on)) > 0
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated,
       ((SELECT count(*) FROM src) - count(*))::int AS unchanged
FROM written
