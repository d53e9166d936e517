/* One page of enterprises as JSON text ordered by credit code (numberMatched when counted, next_cursor when more follow); no figures. */
WITH matched AS (
  SELECT e.credit_code
    FROM enterprise e
   WHERE ${visible:raw}
     AND (${county}::text[] IS NULL OR e.county_code = ANY(${county}::text[]))
     AND (${industry}::text IS NULL OR e.industry = ${industry})
     AND (${aboveScale}::boolean IS NULL OR e.above_scale = ${aboveScale})
     AND (${tokens}::text[] IS NULL OR NOT EXISTS (
       SELECT 1 FROM unnest(${tokens}::text[]) AS tok
        WHERE NOT (search_norm(e.name) LIKE search_pattern(tok)
                OR (length(search_norm(tok)) >= 6 AND e.credit_code LIKE upper(substr(search_pattern(tok), 2))))))
),
page AS (
  SELECT m.credit_code FROM matched m
   WHERE ${after}::text IS NULL OR m.credit_code::text > ${after}::text
   ORDER BY m.credit_code
   LIMIT ${limit} + 1 OFFSET ${offset}
),
numbered AS (
  SELECT page.*, row_number() OVER (ORDER BY page.credit_code) AS rn FROM page
)
SELECT json_build_object(
  'numberMatched', CASE WHEN ${countLimit} > 0 THEN (SELECT nullif(count(*), ${countLimit}) FROM (SELECT 1 FROM matched LIMIT ${countLimit}) x) END,
  'numberReturned', count(*) FILTER (WHERE n.rn <= ${limit}),
  'next_cursor', CASE WHEN count(*) > ${limit} THEN
      rtrim(translate(encode(convert_to(max(n.credit_code::text) FILTER (WHERE n.rn <= ${limit}), 'UTF8'), 'base64'), E'+/\n', '-_'), '=') END,
  'items', coalesce(json_agg(json_build_object(
    'credit_code', e.credit_code, 'name', e.name, 'county_code', e.county_code, 'industry', e.industry,
    'above_scale', e.above_scale, 'intelligent_retrofit', e.intelligent_retrofit, 'version', e.version
  ) ORDER BY n.credit_code) FILTER (WHERE n.rn <= ${limit}), '[]'::json)
)::text AS page
FROM numbered n JOIN enterprise e ON e.credit_code = n.credit_code
