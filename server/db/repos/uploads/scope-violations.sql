/* How many accepted staged features the committer may not write (none for a city-wide scope): in
   a county outside the scope, or carrying the key of an existing record outside it (checked again
   here because the live tables may have changed since the validation), and up to 5 counties. */
SELECT count(*)::int AS n, array_to_string((array_agg(DISTINCT coalesce(f.county_code, '?')))[1:5], ', ') AS counties
FROM upload_feature f
WHERE f.upload_id = ${id}::uuid AND ${scope}::text[] IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
  AND (f.county_code IS NULL OR NOT (f.county_code = ANY(${scope}::text[]))
       -- the layer's own predicate (the registry's sql.taken)
       OR ${taken:raw})
