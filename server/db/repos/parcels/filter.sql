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
-- the words read as one code first, separators dropped ("410311 2019 001" = "4103112019001" =
-- "410311-2019-001", migration 985); when no parcel of the scope has such a code or contract
-- number, every word must match a code, an owner, a contract number or an enterprise
AND (${tokens}::text[] IS NULL OR CASE
  WHEN EXISTS (SELECT 1 FROM parcel_code_match(array_to_string(${tokens}::text[], ''), ${scope}::text[]))
  THEN p.id IN (SELECT c.parcel_id FROM parcel_code_match(array_to_string(${tokens}::text[], ''), ${scope}::text[]) c)
  ELSE p.id IN (
  SELECT m.parcel_id
    FROM unnest(${tokens}::text[]) AS tok, LATERAL parcel_search_match(tok) AS m
   GROUP BY m.parcel_id
  HAVING count(DISTINCT tok) = cardinality(${tokens}::text[])) END)
