/* The parcels behind a report figure, those the viewer may see, as a GeoJSON FeatureCollection (no enterprise figures). */
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
         'type', 'Feature', 'id', p.id, 'geometry', ST_AsGeoJSON(p.geom, 7)::json,
         'properties', json_build_object('code', p.code, 'county_code', p.county_code, 'cluster_code', p.cluster_code,
           'stage', p.stage, 'land_use', p.land_use, 'area_m2', round(p.area_m2::numeric, 2), 'area_mu', round(p.area_mu::numeric, 4),
           'retired', p.retired_at IS NOT NULL))
       ORDER BY p.code), '[]'::json)) AS collection
FROM parcel p
WHERE p.code = ANY(${codes}::text[]) AND (${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
