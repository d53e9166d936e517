/* {inserted, updated, unchanged}: replaces the boundary of each named cluster by its surveyed
   outline (no longer synthetic); clusters are reference data, so an upload never adds one. */
WITH src AS (
  SELECT f.cluster_code AS code, f.geom
  FROM upload_feature f
  WHERE f.upload_id = ${uploadId} AND f.cluster_code IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
), written AS (
  UPDATE cluster k SET boundary = s.geom, boundary_synthetic = false
  FROM src s
  WHERE k.code = s.code AND (NOT same_shape(k.boundary, s.geom) OR k.boundary_synthetic)
  RETURNING 1
)
SELECT 0 AS inserted, (SELECT count(*) FROM written)::int AS updated,
       ((SELECT count(*) FROM src) - (SELECT count(*) FROM written))::int AS unchanged
