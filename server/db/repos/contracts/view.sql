/* One supply contract (供地合同) as JSON text with its version: terms, indicators, parcel, land user; price only for ${sensitive}; no row when missing or outside the caller's counties. */
SELECT c.version,
  redact_sensitive(x.j, ${sensitive})::text AS contract
FROM supply_contract c
JOIN parcel p ON p.id = c.parcel_id
LEFT JOIN enterprise e ON e.credit_code = c.land_user_code
CROSS JOIN LATERAL (
  SELECT jsonb_build_object(
    'contract_no', c.contract_no, 'parcel_code', p.code, 'county_code', c.county_code,
    'cluster_code', p.cluster_code, 'supply_method', c.supply_method,
    'land_user_code', c.land_user_code, 'land_user_name', e.name, 'land_use', c.land_use,
    'signed_on', c.signed_on, 'price_wan', c.price_wan, 'agreed_start_on', c.agreed_start_on,
    'agreed_completion_on', c.agreed_completion_on, 'total_investment_wan', c.total_investment_wan,
    'planned_floor_area_m2', c.planned_floor_area_m2, 'is_standard_land', c.is_standard_land,
    'term_years', c.term_years, 'major_project', c.major_project, 'terminated_on', c.terminated_on,
    'version', c.version,
    'indicators', (
      SELECT coalesce(jsonb_agg(jsonb_build_object(
               'indicator', i.indicator, 'unit', i.unit, 'direction', i.direction, 'value', i.value, 'is_core', i.is_core
             ) ORDER BY i.is_core DESC, i.indicator), '[]'::jsonb)
        FROM contract_indicator i WHERE i.contract_id = c.id)
  ) AS j
) x
WHERE c.contract_no = ${no}
  AND (${scope}::text[] IS NULL OR c.county_code = ANY(${scope}::text[]))
