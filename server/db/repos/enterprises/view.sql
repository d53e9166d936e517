/* One enterprise (企业) as JSON text with its version: registration, the land it holds or rents in the caller's counties, and (for ${sensitive}) every year's figures; no row when missing or not visible. */
SELECT e.version,
  (jsonb_build_object(
    'credit_code', e.credit_code, 'name', e.name, 'county_code', e.county_code, 'industry', e.industry,
    'above_scale', e.above_scale, 'intelligent_retrofit', e.intelligent_retrofit,
    'legal_person', e.legal_person, 'contact_phone', e.contact_phone, 'version', e.version,
    'land', (
      SELECT coalesce(jsonb_agg(jsonb_build_object(
               'parcel_code', p.code, 'relation', x.relation, 'contract_no', x.contract_no, 'since', x.since,
               'area_m2', round(p.area_m2::numeric, 2), 'area_mu', round(p.area_mu::numeric, 4)
             ) ORDER BY p.code, x.relation), '[]'::jsonb)
        FROM (
          SELECT c.parcel_id, 'land_user' AS relation, c.contract_no, c.signed_on AS since
            FROM supply_contract c WHERE c.land_user_code = e.credit_code AND c.terminated_on IS NULL
          UNION ALL
          SELECT l.parcel_id, 'tenant', NULL, l.starts_on
            FROM lease l WHERE l.tenant_code = e.credit_code AND (l.ends_on IS NULL OR l.ends_on >= luoyang_today())
        ) x
        JOIN parcel p ON p.id = x.parcel_id
       WHERE p.retired_at IS NULL
         AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[])))
  ) || CASE WHEN ${sensitive} THEN jsonb_build_object(
    'figures', (
      SELECT coalesce(jsonb_agg(to_jsonb(y) - 'credit_code' ORDER BY y.year DESC), '[]'::jsonb)
        FROM enterprise_year y WHERE y.credit_code = e.credit_code))
  ELSE '{}'::jsonb END)::text AS enterprise
FROM enterprise e
WHERE e.credit_code = ${creditCode}
  AND ${visible:raw}
