/* Nothing: lists the problems found while reading (null or damaged shapes, bad values) as issues. */
INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, i->>'level', i->>'code', i->>'message', i->'detail'
FROM upload_feature f CROSS JOIN LATERAL jsonb_array_elements(f.issues) i
WHERE f.upload_id = ${uploadId} AND f.issues <> '[]'::jsonb
