/* Every disclosure snapshot, newest first: id, date, when published, counts per class (public). */
SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'as_of', r.as_of, 'published_at', r.generated_at,
         'counts', r.result -> 'counts') ORDER BY r.id DESC), '[]'::jsonb) AS snapshots
FROM governance.report r WHERE r.kind = 'disclosure'
