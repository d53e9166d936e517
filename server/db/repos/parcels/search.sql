/* One page of the parcel search as GeoJSON FeatureCollection text (ordered by code; numberMatched when counted, next_cursor when more follow). */
WITH page AS (
  SELECT p.id, p.code, p.county_code, p.cluster_code, p.stage, p.land_use, p.owner_name, p.area_m2, p.area_mu,
         p.version, p.retired_at, p.geom
    FROM parcel p
   WHERE ${filter:raw}
     AND (${after}::text IS NULL OR p.code > ${after}::text)
   ORDER BY p.code
   LIMIT ${limit} + 1 OFFSET ${offset}
),
numbered AS (
  SELECT page.*, row_number() OVER (ORDER BY page.code) AS rn FROM page
)
SELECT json_build_object(
  'type', 'FeatureCollection',
  -- counted up to a cap only (0: not counted); at the cap the number is unknown, null
  'numberMatched', CASE WHEN ${countLimit} > 0 THEN (
      SELECT nullif(count(*), ${countLimit}) FROM (SELECT 1 FROM parcel p WHERE ${filter:raw} LIMIT ${countLimit}) m) END,
  'numberReturned', count(*) FILTER (WHERE pg.rn <= ${limit}),
  'next_cursor', CASE WHEN count(*) > ${limit} THEN
      rtrim(translate(encode(convert_to(max(pg.code) FILTER (WHERE pg.rn <= ${limit}), 'UTF8'), 'base64'), E'+/\n', '-_'), '=') END,
  'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'id', pg.code,
    'geometry', ST_AsGeoJSON(pg.geom, 7)::json,
    'properties', json_build_object(
      'code', pg.code,
      'county_code', pg.county_code,
      'cluster_code', pg.cluster_code,
      'stage', pg.stage,
      'land_use', pg.land_use,
      'owner_name', pg.owner_name,
      'area_m2', round(pg.area_m2::numeric, 2),
      'area_mu', round(pg.area_mu::numeric, 4),
      'contract_no', cur.contract_no,
      'land_user_code', cur.land_user_code,
      'land_user_name', cur.land_user_name,
      'version', pg.version,
      'retired_at', pg.retired_at)
  ) ORDER BY pg.code) FILTER (WHERE pg.rn <= ${limit}), '[]'::json)
)::text AS collection
FROM numbered pg
LEFT JOIN LATERAL (
  SELECT c.contract_no, c.land_user_code, e.name AS land_user_name
    FROM supply_contract c LEFT JOIN enterprise e ON e.credit_code = c.land_user_code
   WHERE c.parcel_id = pg.id AND c.terminated_on IS NULL
   ORDER BY c.signed_on DESC, c.id DESC LIMIT 1
) cur ON true
