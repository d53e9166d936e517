/* The leases of a parcel (ended ones too), oldest first, with the landholder's and tenant's names, as a JSON array; no row when the parcel is missing or out of scope. */
SELECT p.code, coalesce((
  SELECT jsonb_agg(jsonb_build_object(
    'id', l.id, 'landholder_code', l.landholder_code, 'landholder_name', h.name,
    'tenant_code', l.tenant_code, 'tenant_name', t.name, 'area_m2', l.area_m2,
    'starts_on', l.starts_on, 'ends_on', l.ends_on, 'doc_no', l.doc_no, 'note', l.note, 'version', l.version,
    'in_force', l.starts_on <= luoyang_today() AND (l.ends_on IS NULL OR l.ends_on >= luoyang_today()))
    ORDER BY l.starts_on, l.id)
  FROM lease l JOIN enterprise h ON h.credit_code = l.landholder_code JOIN enterprise t ON t.credit_code = l.tenant_code
  WHERE l.parcel_id = p.id), '[]'::jsonb) AS leases
FROM parcel p
WHERE p.code = ${code} AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
