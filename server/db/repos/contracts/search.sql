/* One page of supply contracts as JSON text ordered by contract number (numberMatched when counted, next_cursor when more follow); price only for ${sensitive}. */
WITH matched AS (
  SELECT c.id, c.contract_no
    FROM supply_contract c
    JOIN parcel p ON p.id = c.parcel_id
    LEFT JOIN enterprise e ON e.credit_code = c.land_user_code
   WHERE (${scope}::text[] IS NULL OR c.county_code = ANY(${scope}::text[]))
     AND (${county}::text[] IS NULL OR c.county_code = ANY(${county}::text[]))
     AND (${cluster}::text[] IS NULL OR p.cluster_code = ANY(${cluster}::text[]))
     AND (${supplyMethod}::text IS NULL OR c.supply_method = ${supplyMethod})
     AND (${standardLand}::boolean IS NULL OR c.is_standard_land = ${standardLand})
     AND (${inForce}::boolean IS NULL OR (c.terminated_on IS NULL) = ${inForce})
     AND (${signedFrom}::date IS NULL OR c.signed_on >= ${signedFrom}::date)
     AND (${signedTo}::date IS NULL OR c.signed_on <= ${signedTo}::date)
     -- every word matches the contract number, the parcel code, or the land user's name or credit code
     AND (${tokens}::text[] IS NULL OR NOT EXISTS (
       SELECT 1 FROM unnest(${tokens}::text[]) AS tok
        WHERE NOT coalesce(
                search_norm(c.contract_no) LIKE search_pattern(tok)
                OR search_norm(p.code) LIKE search_pattern(tok)
                OR search_norm(e.name) LIKE search_pattern(tok)
                OR (length(search_norm(tok)) >= 6 AND e.credit_code LIKE upper(substr(search_pattern(tok), 2))),
                false)))  -- no land user: its name is NULL, which must not count as a match
),
page AS (
  SELECT m.id, m.contract_no FROM matched m
   WHERE ${after}::text IS NULL OR m.contract_no > ${after}::text
   ORDER BY m.contract_no
   LIMIT ${limit} + 1 OFFSET ${offset}
),
numbered AS (
  SELECT page.*, row_number() OVER (ORDER BY page.contract_no) AS rn FROM page
)
SELECT json_build_object(
  'numberMatched', CASE WHEN ${countLimit} > 0 THEN (SELECT nullif(count(*), ${countLimit}) FROM (SELECT 1 FROM matched LIMIT ${countLimit}) x) END,
  'numberReturned', count(*) FILTER (WHERE n.rn <= ${limit}),
  'next_cursor', CASE WHEN count(*) > ${limit} THEN
      rtrim(translate(encode(convert_to(max(n.contract_no) FILTER (WHERE n.rn <= ${limit}), 'UTF8'), 'base64'), E'+/\n', '-_'), '=') END,
  'items', coalesce(jsonb_agg(
    redact_sensitive(item.j, ${sensitive}) ORDER BY n.contract_no
  ) FILTER (WHERE n.rn <= ${limit}), '[]'::jsonb)
)::text AS page
FROM numbered n
JOIN supply_contract c ON c.id = n.id
JOIN parcel p ON p.id = c.parcel_id
LEFT JOIN enterprise e ON e.credit_code = c.land_user_code
CROSS JOIN LATERAL (
  SELECT jsonb_build_object(
    'contract_no', c.contract_no, 'parcel_code', p.code, 'county_code', c.county_code, 'cluster_code', p.cluster_code,
    'supply_method', c.supply_method, 'land_user_code', c.land_user_code, 'land_user_name', e.name,
    'land_use', c.land_use, 'signed_on', c.signed_on, 'price_wan', c.price_wan,
    'agreed_start_on', c.agreed_start_on, 'agreed_completion_on', c.agreed_completion_on,
    'is_standard_land', c.is_standard_land, 'terminated_on', c.terminated_on, 'version', c.version) AS j
) item
