/* One land user's per-mu figures year by year from ${from} to ${year} (annex 3 art. 14): its parcels with the tenants merged in, target, gap, ranks, ratings; no row when it holds no land with figures in the caller's counties. */
WITH e AS MATERIALIZED (
  SELECT e.* FROM analysis.permu_enterprises(${from}, ${year}) e WHERE e.credit_code = ${creditCode}
),
pr AS MATERIALIZED (
  SELECT p.* FROM analysis.permu_parcels(${from}, ${year}) p
  WHERE p.parcel_id IN (SELECT unnest(e.parcel_ids) FROM e)
)
SELECT json_build_object(
  'credit_code', x.credit_code, 'name', x.name, 'county_code', x.county_code, 'industry', x.industry,
  'years', (SELECT json_agg(json_build_object(
      'year', e.year, 'cluster_code', e.cluster_code, 'county_code', e.county_code, 'area_mu', round(e.area_mu, 4),
      'tax_wan', round(e.tax_wan, 2), 'own_tax_wan', round(e.own_tax_wan, 2), 'tenant_tax_wan', round(e.tenant_tax_wan, 2),
      'tax_refund_wan', round(e.tax_refund_wan, 2), 'output_wan', round(e.output_wan, 2),
      'tax_per_mu', round(e.tax_per_mu, 4), 'output_per_mu', round(e.output_per_mu, 4),
      'target', round(e.target, 4), 'gap', round(e.gap, 4), 'attainment', round(e.attainment, 4),
      'rank_in_cluster', e.rank_in_cluster, 'enterprises_in_cluster', e.enterprises_in_cluster, 'rank_in_city', e.rank_in_city,
      'rating', (SELECT r.rating FROM enterprise_rating r WHERE r.credit_code = e.credit_code AND r.year = e.year),
      'imported_rating', (SELECT y.rating FROM enterprise_year y WHERE y.credit_code = e.credit_code AND y.year = e.year),
      'parcels', (SELECT json_agg(json_build_object(
          'code', p.parcel_code, 'cluster_code', p.cluster_code, 'area_mu', round(p.area_mu, 4),
          'tax_wan', round(p.tax_wan, 2), 'tax_per_mu', round(p.tax_per_mu, 4), 'output_per_mu', round(p.output_per_mu, 4),
          'target', p.target, 'contributors', (
            SELECT json_agg(json_build_object('credit_code', c->>'credit_code', 'name', n.name, 'relation', c->>'relation',
                                              'share', round((c->>'share')::numeric, 6), 'tax_wan', round((c->>'tax_wan')::numeric, 2))
                            ORDER BY c->>'relation', c->>'credit_code')
            FROM jsonb_array_elements(p.contributors) c JOIN enterprise n ON n.credit_code = c->>'credit_code'),
          'missing', p.missing) ORDER BY p.parcel_code)
        FROM pr p WHERE p.year = e.year AND p.land_user_code = e.credit_code)
    ) ORDER BY e.year) FROM e)
)::text AS enterprise
FROM enterprise x
WHERE x.credit_code = ${creditCode}
  AND EXISTS (SELECT 1 FROM e WHERE ${scope}::text[] IS NULL OR e.counties && ${scope}::text[])
