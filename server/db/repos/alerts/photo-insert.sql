/* The photo's row as JSON (the same file sent twice for one alert is kept once). */
WITH ins AS (
  INSERT INTO alert_photo (alert_id, parcel_id, county_code, sha256, media_type, size_bytes, file_name, uploaded_by)
  SELECT a.id, a.parcel_id, a.county_code, ${sha256}, ${mediaType}, ${sizeBytes}, ${fileName}, ${uploadedBy}
    FROM alert a WHERE a.id = ${alertId}
  ON CONFLICT (alert_id, sha256) DO NOTHING
  RETURNING *
), row AS (
  SELECT * FROM ins
  UNION ALL
  SELECT * FROM alert_photo WHERE alert_id = ${alertId} AND sha256 = ${sha256} AND NOT EXISTS (SELECT 1 FROM ins)
)
SELECT json_build_object('id', r.id, 'url', '/api/alerts/' || r.alert_id || '/photos/' || r.id, 'media_type', r.media_type,
                         'size_bytes', r.size_bytes, 'sha256', r.sha256, 'file_name', r.file_name,
                         'uploaded_by', r.uploaded_by, 'uploaded_at', r.uploaded_at) AS photo,
       EXISTS (SELECT 1 FROM ins) AS created
  FROM row r
