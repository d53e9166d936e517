/* Nothing: rejects every feature whose key (parcel code, approval no, contract no; for changes the
   period and code) appears more than once in the file, naming the others. */
INSERT INTO upload_issue (upload_id, idx, level, code, message, detail)
SELECT f.upload_id, f.idx, ${lv.duplicate_key}, 'duplicate_key', format(${t.duplicate_key}, f.key, array_to_string(d.idxs[1:10], ', ')),
       jsonb_build_object('key', f.key, 'features', to_jsonb(d.idxs[1:100]))
FROM upload_feature f
JOIN (
  SELECT key, coalesce(values->>'period', '') AS period, array_agg(idx ORDER BY idx) AS idxs
  FROM upload_feature
  WHERE upload_id = ${uploadId} AND key IS NOT NULL
  GROUP BY key, coalesce(values->>'period', '')
  HAVING count(*) > 1
) d ON d.key = f.key AND d.period = coalesce(f.values->>'period', '')
WHERE f.upload_id = ${uploadId}
