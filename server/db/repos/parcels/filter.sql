/* The conditions of a parcel search (a WHERE clause body on parcel p), shared by the page and its count; every value a bound parameter. */
(${scope}::text[] IS NULL OR p.county_code = ANY(${scope}::text[]))
AND (${county}::text[] IS NULL OR p.county_code = ANY(${county}::text[]))
AND (${cluster}::text[] IS NULL OR p.cluster_code = ANY(${cluster}::text[]))
AND (${status}::text[] IS NULL OR p.stage = ANY(${status}::text[]))
AND (${includeRetired} OR p.retired_at IS NULL)
AND (${kind}::text[] IS NULL OR p.id IN (
  -- the analysis engine's findings today (materialised when the snapshot is today); a suspended
  -- finding (government-caused delay) does not put a parcel in the class
  SELECT f.parcel_id FROM analysis.findings_at(luoyang_today()) f
   WHERE f.classification = ANY(${kind}::text[]) AND NOT f.suspended))
AND (${minx}::float8 IS NULL OR ST_Intersects(p.geom, ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4490)))
AND (${tokens}::text[] IS NULL OR p.id IN (
  SELECT m.parcel_id
    FROM unnest(${tokens}::text[]) AS tok, LATERAL parcel_search_match(tok) AS m
   GROUP BY m.parcel_id
  HAVING count(DISTINCT tok) = cardinality(${tokens}::text[])))
