/* The keys of a JSON object (and of its "measured" values) that only sensitive roles may see or write. */
SELECT array(
  SELECT k FROM jsonb_object_keys(${value}::jsonb) AS k WHERE k = ANY(sensitive_keys())
  UNION ALL
  SELECT 'measured.' || k
    FROM jsonb_object_keys(CASE WHEN jsonb_typeof(${value}::jsonb->'measured') = 'object' THEN ${value}::jsonb->'measured' ELSE '{}'::jsonb END) AS k
   WHERE k = ANY(sensitive_keys())
) AS keys
