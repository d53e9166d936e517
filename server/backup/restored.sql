/* What a restored database holds, for the summary and the checks after a restore. */
-- the last migration by its number (1010_… after 995_…, as server/db/migrate.ts orders them)
SELECT (SELECT name FROM schema_migration ORDER BY substring(name FROM '^[0-9]+')::int DESC, name DESC LIMIT 1) AS schema_version,
       (SELECT coalesce(max(id), 0) FROM event_log)::text AS data_version,
       (SELECT count(*) FROM parcel)::int AS parcels,
       (SELECT count(*) FROM event_log)::int AS events,
       (SELECT count(*) FROM upload)::int AS uploads,
       (SELECT count(*) FROM alert_photo)::int AS photos,
       (SELECT coalesce(json_agg(json_build_object('sha256', sha256, 'media_type', media_type)), '[]') FROM alert_photo)::text AS photo_files
