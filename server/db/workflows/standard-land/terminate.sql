/* Records the termination of contract ${id} on ${on} (解除合同) and the recovery of its parcel (收回): the contract's terminated_on and the parcel's stage, each with a new version. */
WITH c AS (
  UPDATE supply_contract SET terminated_on = ${on}, version = version + 1 WHERE id = ${id} RETURNING parcel_id
)
UPDATE parcel SET stage = 'recovered', version = version + 1, updated_at = now()
 WHERE id = (SELECT parcel_id FROM c)
RETURNING id
