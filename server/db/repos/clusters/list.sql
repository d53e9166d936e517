/* The 18 clusters as one GeoJSON FeatureCollection, optionally one county's; null when none. */
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'id', c.code,
    'geometry', ST_AsGeoJSON(c.boundary, 7)::json,
    'properties', json_build_object(
      'code', c.code,
      'name', c.name,
      'short_name', c.short_name,
      'county_code', c.county_code,
      'county_name', k.name,
      'target_tax_per_mu', c.target_tax_per_mu,
      'leading_industries', c.leading_industries,
      'area_m2', round(c.area_m2::numeric, 2),
      'area_mu', round(c.area_mu::numeric, 4),
      'boundary_synthetic', c.boundary_synthetic
    )
  ) ORDER BY c.code), '[]'::json)
) AS collection
FROM cluster c JOIN county k ON k.code = c.county_code
WHERE ${code} IS NULL OR c.code = ${code}
