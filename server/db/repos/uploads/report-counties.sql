/* How the county of the upload's accepted features was decided, as a JSON array: one entry per
   county and way (column, boundary, code_prefix, parcel, cluster) with its name and count. */
SELECT coalesce(json_agg(json_build_object('code', x.county_code, 'name', x.name, 'source', x.county_source, 'features', x.n)
                         ORDER BY x.n DESC, x.county_code, x.county_source), '[]'::json) AS counties
FROM (
  SELECT f.county_code, f.county_source, b.name, count(*)::int AS n
  FROM upload_feature f
  LEFT JOIN county_boundary b ON b.code = f.county_code
  WHERE f.upload_id = ${uploadId} AND f.county_code IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
  GROUP BY f.county_code, f.county_source, b.name
) x
