/* Nothing: a cluster outline replaces the boundary unless it is the same and already surveyed (upload_feature.changed_fields). */
UPDATE upload_feature f
SET changed_fields = CASE WHEN same_shape(k.boundary, f.geom) AND NOT k.boundary_synthetic THEN '{}'::text[] ELSE '{geometry}'::text[] END
FROM cluster k
WHERE f.upload_id = ${uploadId} AND k.code = f.cluster_code
