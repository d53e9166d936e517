/* For each candidate SRID, where a box of source coordinates lands: its lon/lat box, whether it
   meets the city's extent, whether it lies within the city's bounding box as well (a plausible
   reading), its distance from the extent in km, and the counties it meets (largest share first).
   The box is densified before the transform, so its curved edges are followed. */
WITH c AS (
  SELECT unnest(${epsgs}::int[]) AS epsg
), p AS (
  SELECT c.epsg, ST_Transform(ST_Segmentize(ST_MakeEnvelope(${minX}, ${minY}, ${maxX}, ${maxY}, c.epsg), ${step}::float8), 4490) AS g
  FROM c
)
SELECT p.epsg,
       json_build_array(ST_XMin(p.g), ST_YMin(p.g), ST_XMax(p.g), ST_YMax(p.g)) AS bbox,
       ST_Intersects(e.geom, p.g) AS intersects,
       ST_Intersects(e.geom, p.g) AND ST_CoveredBy(ST_Envelope(p.g), ST_Envelope(e.geom)) AS fits,
       ST_Distance(e.geom::geography, p.g::geography) / 1000 AS distance_km,
       coalesce((
         SELECT json_agg(json_build_object('code', b.code, 'name', b.name) ORDER BY s.share DESC, b.code)
         FROM county_boundary b
         CROSS JOIN LATERAL (SELECT ST_Area(ST_Intersection(b.geom, p.g)) AS share) s
         WHERE b.geom && p.g AND ST_Intersects(b.geom, p.g)), '[]'::json) AS counties
FROM p CROSS JOIN city_extent e
ORDER BY p.epsg
