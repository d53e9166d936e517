/* One page of approval batches (批次) as GeoJSON FeatureCollection text ordered by approval number (numberMatched when counted, next_cursor when more follow). */
WITH matched AS (
  SELECT b.id, b.approval_no
    FROM approval_batch b
   WHERE (${scope}::text[] IS NULL OR b.county_code = ANY(${scope}::text[]))
     AND (${county}::text[] IS NULL OR b.county_code = ANY(${county}::text[]))
     AND (${cluster}::text[] IS NULL OR b.cluster_code = ANY(${cluster}::text[]))
     AND (${approvedFrom}::date IS NULL OR b.approved_on >= ${approvedFrom}::date)
     AND (${approvedTo}::date IS NULL OR b.approved_on <= ${approvedTo}::date)
     AND (${minx}::float8 IS NULL OR ST_Intersects(b.geom, ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4490)))
     AND (${tokens}::text[] IS NULL OR NOT EXISTS (
       SELECT 1 FROM unnest(${tokens}::text[]) AS tok
        WHERE NOT search_norm(b.approval_no || ' ' || coalesce(b.name, '')) LIKE search_pattern(tok)))
),
page AS (
  SELECT m.id, m.approval_no FROM matched m
   WHERE ${after}::text IS NULL OR m.approval_no > ${after}::text
   ORDER BY m.approval_no
   LIMIT ${limit} + 1 OFFSET ${offset}
),
numbered AS (
  SELECT page.*, row_number() OVER (ORDER BY page.approval_no) AS rn FROM page
)
SELECT json_build_object(
  'type', 'FeatureCollection',
  'numberMatched', CASE WHEN ${countLimit} > 0 THEN (SELECT nullif(count(*), ${countLimit}) FROM (SELECT 1 FROM matched LIMIT ${countLimit}) x) END,
  'numberReturned', count(*) FILTER (WHERE n.rn <= ${limit}),
  'next_cursor', CASE WHEN count(*) > ${limit} THEN
      rtrim(translate(encode(convert_to(max(n.approval_no) FILTER (WHERE n.rn <= ${limit}), 'UTF8'), 'base64'), E'+/\n', '-_'), '=') END,
  'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'id', b.approval_no,
    'geometry', ST_AsGeoJSON(b.geom, 7)::json,
    'properties', json_build_object(
      'approval_no', b.approval_no, 'name', b.name, 'county_code', b.county_code, 'cluster_code', b.cluster_code,
      'approved_on', b.approved_on, 'area_m2', round(b.area_m2::numeric, 2), 'area_mu', round(b.area_mu::numeric, 4),
      'version', b.version)
  ) ORDER BY n.approval_no) FILTER (WHERE n.rn <= ${limit}), '[]'::json)
)::text AS collection
FROM numbered n JOIN approval_batch b ON b.id = n.id
