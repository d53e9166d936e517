/* Nothing: every feature needs a county of Luoyang (DOMAIN.md "County of a parcel": the file's
   county column, else the county boundary holding the shape, else the prefix of its code; for a
   contract its parcel's) inside the uploader's scope; an existing record with the same key outside
   the scope may not be overwritten (brief: county staff edit their own counties only). Whether a
   feature must have a county is the layer's (the registry's county.required: change polygons only
   for a county-scoped uploader). A feature outside the city has
   its own error (check-jurisdiction.sql) and is not told twice. A county column or code prefix
   that names another county than where the shape lies, farther than the outlines' precision from
   it, is a warning naming both. */
INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.county_unknown}, 'county_unknown', ${t.county_unknown}
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.county_code IS NULL AND f.geom IS NOT NULL AND NOT ST_IsEmpty(f.geom)
  AND (${countyRequired} = 'always' OR (${countyRequired} = 'scoped' AND ${scope}::text[] IS NOT NULL))
  AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.code = 'outside_city');

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.county_mismatch}, 'county_mismatch',
       format(${t.county_mismatch}, f.county_code, s.name, f.location_county, l.name, round((d.m / 1000)::numeric, 1), round(e.precision_m::numeric)),
       jsonb_build_object('stated', f.county_code, 'located', f.location_county, 'distance_m', d.m)
FROM upload_feature f
CROSS JOIN city_extent e
JOIN county_boundary s ON s.code = f.county_code
JOIN county_boundary l ON l.code = f.location_county
-- the distance for the message: the three pieces nearest by their boxes (the index), then the
-- spheroid distance between the closest points (a polygon-to-polygon distance on the spheroid
-- costs 1 ms a feature; this is within 1 % of it, for a message rounded to 0.1 km)
CROSS JOIN LATERAL (SELECT min(ST_Distance(ST_ClosestPoint(p.geom, f.geom)::geography, ST_ClosestPoint(f.geom, p.geom)::geography)) AS m
                    FROM (SELECT p.geom FROM county_boundary_part p WHERE p.code = s.code ORDER BY p.geom <#> f.geom LIMIT 3) p) d
WHERE f.upload_id = ${uploadId} AND f.county_source = 'column' AND f.location_county <> f.county_code
  -- the outlines' pieces within the precision, by the index, before any distance on the spheroid
  AND NOT EXISTS (SELECT 1 FROM county_boundary_part p WHERE p.code = s.code
                    AND p.geom && ST_Expand(f.geom, greatest(0.01, e.precision_m / 50000.0))
                    AND ST_DWithin(p.geom::geography, f.geom::geography, e.precision_m));

INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.code_prefix_mismatch}, 'code_prefix_mismatch',
       format(${t.code_prefix_mismatch}, f.key, x.code, x.name, f.county_code, c.name, round((d.m / 1000)::numeric, 1), round(e.precision_m::numeric)),
       jsonb_build_object('prefix', x.code, 'county', f.county_code, 'distance_m', d.m)
FROM upload_feature f
CROSS JOIN city_extent e
JOIN county_boundary x ON x.code = left(f.key, 6)
JOIN county_boundary c ON c.code = f.county_code
CROSS JOIN LATERAL (SELECT min(ST_Distance(ST_ClosestPoint(p.geom, f.geom)::geography, ST_ClosestPoint(f.geom, p.geom)::geography)) AS m
                    FROM (SELECT p.geom FROM county_boundary_part p WHERE p.code = x.code ORDER BY p.geom <#> f.geom LIMIT 3) p) d
WHERE f.upload_id = ${uploadId} AND ${checkKeyPrefix} AND f.key ~ '^[0-9]{6}'
  -- the same as x.code <> f.county_code, on the feature alone: the planner then leaves out the
  -- features whose prefix agrees before the join (it looped 14 counties × every feature)
  AND left(f.key, 6) <> f.county_code::text
  AND f.county_source IN ('column', 'boundary') AND x.code <> f.county_code AND f.geom IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM county_boundary_part p WHERE p.code = x.code
                    AND p.geom && ST_Expand(f.geom, greatest(0.01, e.precision_m / 50000.0))
                    AND ST_DWithin(p.geom::geography, f.geom::geography, e.precision_m));

INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.county_not_found}, 'county_not_found', format(${t.county_not_found}, f.county_code)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND f.county_code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM county c WHERE c.code = f.county_code);

INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.out_of_scope}, 'out_of_scope', format(${t.out_of_scope}, f.county_code)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND ${scope}::text[] IS NOT NULL AND f.county_code IS NOT NULL
  AND NOT (f.county_code = ANY(${scope}::text[]));

INSERT INTO upload_issue (upload_id, idx, level, code, message)
SELECT f.upload_id, f.idx, ${lv.code_taken}, 'code_taken', format(${t.code_taken}, f.key)
FROM upload_feature f
WHERE f.upload_id = ${uploadId} AND ${scope}::text[] IS NOT NULL AND f.key IS NOT NULL
  -- the layer's own predicate (the registry's sql.taken: the live record with the key outside the scope)
  AND ${taken:raw}
