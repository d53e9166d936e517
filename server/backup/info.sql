/* What a backup records of the database it copies: schema version, data version, server. */
-- the last migration by its number (1010_… after 995_…, as server/db/migrate.ts orders them)
SELECT (SELECT name FROM schema_migration ORDER BY substring(name FROM '^[0-9]+')::int DESC, name DESC LIMIT 1) AS schema_version,
       (SELECT count(*) FROM schema_migration)::int AS migrations,
       current_database() AS name,
       current_setting('server_version') AS server_version,
       (SELECT coalesce(max(id), 0) FROM event_log)::text AS data_version
