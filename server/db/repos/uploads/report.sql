/* The validation report of an upload as one JSON object: counts (features, accepted, rejected,
   warned; of the accepted: new, existing = changed + unchanged, as check-changes.sql found them),
   issues by code, the first ${maxIssues} issues (errors first), the first ${maxIssues} changed
   features with the fields that change, the extent in EPSG:4490 and the total area. */
WITH levels AS (
  -- each feature's levels in one pass over the issues (two index probes a feature took longer)
  SELECT i.idx, bool_or(i.level = 'error') AS rejected, bool_or(i.level = 'warning') AS warned
  FROM upload_issue i
  WHERE i.upload_id = ${uploadId}
  GROUP BY i.idx
), f AS (
  SELECT f.idx, f.source, f.source_index, f.key, f.geom, f.area_m2,
         coalesce(l.rejected, false) AS rejected,
         coalesce(l.warned, false) AS warned,
         f.changed_fields IS NOT NULL AS existing,
         f.changed_fields
  FROM upload_feature f LEFT JOIN levels l ON l.idx = f.idx
  WHERE f.upload_id = ${uploadId}
), i AS (
  SELECT i.*, f.source, f.source_index, f.key
  FROM upload_issue i JOIN f ON f.idx = i.idx
  WHERE i.upload_id = ${uploadId}
), counts AS (
  SELECT count(*)::int AS features,
         count(*) FILTER (WHERE NOT rejected)::int AS accepted,
         count(*) FILTER (WHERE rejected)::int AS rejected,
         count(*) FILTER (WHERE warned AND NOT rejected)::int AS warned,
         count(*) FILTER (WHERE existing AND NOT rejected)::int AS existing,
         count(*) FILTER (WHERE NOT existing AND NOT rejected)::int AS new,
         count(*) FILTER (WHERE cardinality(changed_fields) > 0 AND NOT rejected)::int AS changed,
         count(*) FILTER (WHERE cardinality(changed_fields) = 0 AND NOT rejected)::int AS unchanged,
         coalesce(sum(area_m2) FILTER (WHERE NOT rejected), 0) AS area_m2,
         ST_Extent(geom) AS extent
  FROM f
)
SELECT json_build_object(
  'featureCount', c.features,
  'accepted', c.accepted,
  'rejected', c.rejected,
  'warned', c.warned,
  'new', c.new,
  'existing', c.existing,
  'changed', c.changed,
  'unchanged', c.unchanged,
  'changes', coalesce((
    SELECT json_agg(json_build_object('index', idx, 'source', source, 'sourceIndex', source_index, 'key', key,
                                      'fields', changed_fields) ORDER BY idx)
    FROM (SELECT * FROM f WHERE cardinality(changed_fields) > 0 AND NOT rejected ORDER BY idx LIMIT ${maxIssues}) x), '[]'::json),
  'changesTruncated', c.changed > ${maxIssues},
  'errors', (SELECT count(*)::int FROM i WHERE level = 'error'),
  'warnings', (SELECT count(*)::int FROM i WHERE level = 'warning'),
  'byCode', coalesce((SELECT json_object_agg(code, n) FROM (SELECT code, count(*)::int AS n FROM i GROUP BY code) x), '{}'::json),
  'issues', coalesce((
    SELECT json_agg(json_build_object('index', idx, 'source', source, 'sourceIndex', source_index, 'key', key,
                                      'level', level, 'code', code, 'message', message) ORDER BY level, idx, code)
    FROM (SELECT * FROM i ORDER BY level, idx, code LIMIT ${maxIssues}) x), '[]'::json),
  'issuesTruncated', (SELECT count(*) FROM i) > ${maxIssues},
  'areaM2', round(c.area_m2::numeric, 2),
  'bbox', CASE WHEN c.extent IS NOT NULL THEN json_build_array(ST_XMin(c.extent), ST_YMin(c.extent), ST_XMax(c.extent), ST_YMax(c.extent)) END
) AS report
FROM counts c
