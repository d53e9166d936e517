/* Per-mu tax and output of every parcel with figures in ${year} in the caller's counties (annex 3 art. 14, tenants merged), with its target and attainment, for the map's colouring and the tables, as JSON text. */
SELECT json_build_object(
  'year', ${year}::int,
  'items', coalesce(json_agg(json_build_object(
    'id', p.parcel_id, 'code', p.parcel_code, 'county_code', p.county_code, 'cluster_code', p.cluster_code,
    'land_user_code', p.land_user_code, 'enterprises', p.enterprises, 'area_mu', round(p.area_mu, 4),
    'tax_wan', round(p.tax_wan, 2), 'tax_refund_wan', round(p.tax_refund_wan, 2), 'output_wan', round(p.output_wan, 2),
    'tax_per_mu', round(p.tax_per_mu, 4), 'output_per_mu', round(p.output_per_mu, 4),
    'target', p.target, 'target_source', p.target_source, 'attainment', round(p.tax_per_mu / p.target, 4),
    'contributors', (SELECT json_agg(json_build_object('credit_code', c->>'credit_code', 'relation', c->>'relation',
                                      'share', round((c->>'share')::numeric, 6), 'tax_wan', round((c->>'tax_wan')::numeric, 2),
                                      'output_wan', round((c->>'output_wan')::numeric, 2)) ORDER BY c->>'relation', c->>'credit_code')
                     FROM jsonb_array_elements(p.contributors) c),
    'missing', p.missing
  ) ORDER BY p.parcel_code), '[]'::json)
)::text AS parcels
FROM analysis.permu_parcels(${year}, ${year}) p
WHERE (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
  AND (${county}::text[] IS NULL OR p.county_code = ANY(${county}::text[]))
  AND (${cluster}::text[] IS NULL OR p.cluster_code = ANY(${cluster}::text[]))
