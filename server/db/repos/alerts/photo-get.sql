/* A photo of an alert in the caller's counties (its hash names the file); no row otherwise. */
SELECT ph.id, ph.sha256, ph.media_type, ph.size_bytes
  FROM alert_photo ph JOIN alert a ON a.id = ph.alert_id
 WHERE ph.id = ${photoId} AND ph.alert_id = ${alertId}
   AND (${scope}::text[] IS NULL OR a.county_code = ANY(${scope}::text[]))
