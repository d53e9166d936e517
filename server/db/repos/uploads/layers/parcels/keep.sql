/* Nothing: before a chunk of a chunked commit writes its slice (from <= idx < to), keeps every
   parcel row it may overwrite, exactly, and the codes it will insert (old NULL), for
   upload_undo_commit (migration 1080). A code already kept (an earlier chunk) keeps its first row. */
INSERT INTO upload_commit_undo (upload_id, code, old, old_geom)
SELECT f.upload_id, f.key, to_jsonb(p) - 'geom', p.geom
FROM upload_feature f
LEFT JOIN parcel p ON p.code = f.key
WHERE f.upload_id = ${uploadId} AND f.idx >= ${from} AND f.idx < ${to} AND f.key IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM upload_issue i WHERE i.upload_id = f.upload_id AND i.idx = f.idx AND i.level = 'error')
ON CONFLICT (upload_id, code) DO NOTHING
