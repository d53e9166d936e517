/* The conditions of a parcel search (a WHERE clause body on parcel p), shared by the page and its count; every value a bound parameter. */
(${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
AND (${county}::text[] IS NULL OR p.county_code = ANY(${county}::text[]))
AND (${cluster}::text[] IS NULL OR p.cluster_code = ANY(${cluster}::text[]))
AND (${status}::text[] IS NULL OR p.stage = ANY(${status}::text[]))
AND (${includeRetired} OR p.retired_at IS NULL)
AND (${minx}::float8 IS NULL OR ST_Intersects(p.geom, ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4490)))
AND (${tokens}::text[] IS NULL OR p.id IN (
  SELECT m.parcel_id
    FROM unnest(${tokens}::text[]) AS tok, LATERAL parcel_search_match(tok) AS m
   GROUP BY m.parcel_id
  HAVING count(DISTINCT tok) = cardinality(${tokens}::text[])))
