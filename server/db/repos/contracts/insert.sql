/* Records a supply (供地) of a parcel: a grant contract or allocation decision; returns its id. */
INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_user_code, land_use, signed_on,
  price_wan, agreed_start_on, agreed_completion_on, total_investment_wan, planned_floor_area_m2, is_standard_land,
  term_years, major_project)
VALUES (${contract_no}, ${parcelId}, ${countyCode}, ${supply_method}, ${land_user_code}, ${land_use}, ${signed_on},
  ${price_wan}, ${agreed_start_on}, ${agreed_completion_on}, ${total_investment_wan}, ${planned_floor_area_m2},
  ${is_standard_land}, ${term_years}, ${major_project})
RETURNING id
