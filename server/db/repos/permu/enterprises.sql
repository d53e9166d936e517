/* One page of land users ranked by tax per mu for ${year} (annex 3 art. 14; rank within their main cluster and in the city), in the caller's counties, with the computed and the stored rating, as JSON text. Enterprise figures: the route serves sensitive roles only. */
WITH e AS MATERIALIZED (
  SELECT e.* FROM analysis.permu_enterprises(${year}, ${year}) e
  WHERE (${scope}::text[] IS NULL OR e.counties && ${scope}::text[])
    AND (${county}::text[] IS NULL OR e.county_code = ANY(${county}::text[]))
    AND (${cluster}::text[] IS NULL OR e.cluster_code = ANY(${cluster}::text[]))
),
page AS (
  SELECT e.* FROM e ORDER BY e.tax_per_mu DESC, e.credit_code LIMIT ${limit} OFFSET ${offset}
)
SELECT json_build_object(
  'year', ${year}::int,
  'total', (SELECT count(*) FROM e),
  'limit', ${limit}::int, 'offset', ${offset}::int,
  'items', coalesce((SELECT json_agg(json_build_object(
      'credit_code', p.credit_code, 'name', p.name, 'county_code', p.county_code, 'cluster_code', p.cluster_code,
      'parcels', p.parcels, 'area_mu', round(p.area_mu, 4),
      'tax_wan', round(p.tax_wan, 2), 'own_tax_wan', round(p.own_tax_wan, 2), 'tenant_tax_wan', round(p.tenant_tax_wan, 2),
      'tax_refund_wan', round(p.tax_refund_wan, 2), 'output_wan', round(p.output_wan, 2),
      'tax_per_mu', round(p.tax_per_mu, 4), 'output_per_mu', round(p.output_per_mu, 4),
      'target', round(p.target, 4), 'gap', round(p.gap, 4), 'attainment', round(p.attainment, 4),
      'above_target', p.tax_per_mu >= p.target,
      'rank_in_cluster', p.rank_in_cluster, 'enterprises_in_cluster', p.enterprises_in_cluster, 'rank_in_city', p.rank_in_city,
      'rating', (SELECT r.rating FROM enterprise_rating r WHERE r.credit_code = p.credit_code AND r.year = ${year}),
      'imported_rating', (SELECT y.rating FROM enterprise_year y WHERE y.credit_code = p.credit_code AND y.year = ${year})
    ) ORDER BY p.tax_per_mu DESC, p.credit_code) FROM page p), '[]'::json)
)::text AS page
