/* Nothing: moves upload_raw into upload_feature, transformed to EPSG:4490 in PostGIS and repaired
   where ST_IsValid says no (the reason kept), with the area on the spheroid, the cluster each
   feature overlaps most, and its county (DOMAIN.md "County of a parcel"): the file's county
   column, else the county boundary that holds the shape (the largest share; a shape outside every
   outline but within their precision takes the nearest), else the 6-digit GB/T 2260 prefix of its
   code when that is a county of the boundaries. */
INSERT INTO upload_feature (upload_id, idx, source, source_index, src_geom, valid_reason, geom, area_m2,
                            key, county_code, county_source, location_county, cluster_code, values, raw, issues)
SELECT ${uploadId}::uuid, r.idx, r.source, r.source_index, r.src_geom, v.reason, g.geom,
       CASE WHEN g.geom IS NOT NULL THEN ellipsoidal_area_m2(g.geom) END,
       r.key,
       -- a contract's county is its parcel's (layers/contracts/checks.sql), wherever its drawing lies
       coalesce(r.county_code, CASE WHEN ${countyFromShape} THEN l.code END, px.code),
       CASE WHEN r.county_code IS NOT NULL THEN 'column' WHEN ${countyFromShape} AND l.code IS NOT NULL THEN 'boundary'
            WHEN px.code IS NOT NULL THEN 'code_prefix' END,
       l.code, c.code, r.values, r.raw, r.issues
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
  WHERE ${clusterFromShape} AND g.geom IS NOT NULL AND NOT ST_IsEmpty(g.geom) AND k.boundary && g.geom AND ST_Intersects(k.boundary, g.geom)
  ORDER BY CASE WHEN ST_CoveredBy(g.geom, k.boundary) THEN 'Infinity'::float8
                ELSE ST_Area(ST_Intersection(k.boundary, g.geom)) END DESC, k.code
  LIMIT 1
) c ON true
-- The county outlines are read as their small pieces (county_boundary_part, migration 810): the
-- share of a shape in a county is the sum over that county's pieces, which do not overlap.
-- First the pieces whose boxes meet the shape's (the index; boxes are rounded outwards, so no
-- piece the shape meets is missed): when they are all of one county and one of them holds a vertex
-- of the shape, the shape meets that county and no other, so the lookup below can only answer
-- that county (covered, or the only county with a share). A point-in-polygon test per piece,
-- without GEOS; at 100 000 parcels this settles almost every feature (the ST_Covers below cost
-- 65 µs a feature). Shapes whose boxes meet two counties' pieces go the whole way.
LEFT JOIN LATERAL (
  SELECT min(p.code) AS code,
         min(p.code) = max(p.code) AND bool_or(ST_Intersects(p.geom, ST_PointN(ST_ExteriorRing(ST_GeometryN(g.geom, 1)), 1))) AS alone
  FROM county_boundary_part p
  WHERE g.geom IS NOT NULL AND NOT ST_IsEmpty(g.geom) AND p.geom && g.geom
) one ON true
LEFT JOIN LATERAL (
  SELECT CASE WHEN one.alone THEN one.code ELSE coalesce((
    -- a shape (with an area) wholly inside one piece has all its area in that piece's county and
    -- none in another: settled by the index and one prepared test, without any intersection (at
    -- 100 000 parcels this is almost every feature, and the share below cost 0.3 ms a feature);
    -- a piece covering the shape holds its vertex, so the pieces that do not are left out by the
    -- point-in-polygon test before the GEOS one
    SELECT min(p.code) FROM county_boundary_part p
    WHERE g.geom IS NOT NULL AND NOT ST_IsEmpty(g.geom) AND ST_Area(g.geom) > 0 AND p.geom && g.geom
      AND ST_Intersects(p.geom, ST_PointN(ST_ExteriorRing(ST_GeometryN(g.geom, 1)), 1)) AND ST_Covers(p.geom, g.geom)
  ), (
    SELECT p.code FROM county_boundary_part p
    WHERE g.geom IS NOT NULL AND NOT ST_IsEmpty(g.geom) AND p.geom && g.geom AND ST_Intersects(p.geom, g.geom)
    GROUP BY p.code
    ORDER BY sum(CASE WHEN ST_CoveredBy(g.geom, p.geom) THEN ST_Area(g.geom) ELSE ST_Area(ST_Intersection(p.geom, g.geom)) END) DESC, p.code
    LIMIT 1
  ), (
    -- only when no outline meets the shape (coalesce stops at the first): the nearest within the
    -- outlines' precision (the box widened by at least 0.01°, more than 600 m here)
    SELECT p.code FROM county_boundary_part p CROSS JOIN city_extent e
    WHERE g.geom IS NOT NULL AND NOT ST_IsEmpty(g.geom)
      AND p.geom && ST_Expand(g.geom, greatest(0.01, e.precision_m / 50000.0))
      AND ST_DWithin(p.geom::geography, g.geom::geography, e.precision_m)
    ORDER BY ST_Distance(p.geom::geography, g.geom::geography), p.code
    LIMIT 1
  )) END AS code
) l ON true
LEFT JOIN LATERAL (
  SELECT b.code FROM county_boundary b
  WHERE ${countyFromKeyPrefix} AND r.key ~ '^[0-9]{6}' AND b.code = left(r.key, 6)
) px ON true
