/* Nothing: moves upload_raw into upload_feature, transformed to EPSG:4490 in PostGIS and repaired
   where ST_IsValid says no (the reason kept), with the area on the spheroid and the cluster each
   feature overlaps most (its county when the file gives none). */
INSERT INTO upload_feature (upload_id, idx, source, source_index, src_geom, valid_reason, geom, area_m2,
                            key, county_code, cluster_code, values, raw, issues)
SELECT ${uploadId}::uuid, r.idx, r.source, r.source_index, r.src_geom, v.reason, g.geom,
       CASE WHEN g.geom IS NOT NULL THEN ellipsoidal_area_m2(g.geom) END,
       r.key, coalesce(r.county_code, c.county_code), c.code, r.values, r.raw, r.issues
FROM upload_raw r
CROSS JOIN LATERAL (
  SELECT CASE WHEN r.src_geom IS NOT NULL AND NOT ST_IsValid(r.src_geom) THEN ST_IsValidReason(r.src_geom) END AS reason
  OFFSET 0 -- a fence: evaluated once per row, not pasted into every expression that uses it
) v
-- Repaired in the source CRS, where the surveyor drew it; then transformed.
CROSS JOIN LATERAL (
  SELECT CASE WHEN r.src_geom IS NULL THEN NULL
              WHEN v.reason IS NULL THEN ST_Transform(r.src_geom, 4490)
              ELSE ST_Transform(ST_CollectionExtract(ST_MakeValid(r.src_geom), 3), 4490) END AS t
  OFFSET 0
) t
-- A transform can leave a valid shape a hair invalid (rounding at a spike); the live tables
-- refuse invalid geometry, so it is made valid again here.
CROSS JOIN LATERAL (
  SELECT CASE WHEN t.t IS NULL OR ST_IsEmpty(t.t) THEN NULL
              WHEN ST_IsValid(t.t) THEN ST_Multi(t.t)
              ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(t.t), 3)) END AS geom
  OFFSET 0
) g
LEFT JOIN LATERAL (
  SELECT k.code, k.county_code
  FROM cluster k
  WHERE ${layer} <> 'clusters' AND g.geom IS NOT NULL AND NOT ST_IsEmpty(g.geom) AND k.boundary && g.geom AND ST_Intersects(k.boundary, g.geom)
  ORDER BY CASE WHEN ST_CoveredBy(g.geom, k.boundary) THEN 'Infinity'::float8
                ELSE ST_Area(ST_Intersection(k.boundary, g.geom)) END DESC, k.code
  LIMIT 1
) c ON true
