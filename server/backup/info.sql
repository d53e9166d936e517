/* What a backup records of the database it copies: schema version, data version, server. */
SELECT (SELECT max(name) FROM schema_migration) AS schema_version,
       (SELECT count(*) FROM schema_migration)::int AS migrations,
       current_database() AS name,
       current_setting('server_version') AS server_version,
       (SELECT coalesce(max(id), 0) FROM event_log)::text AS data_version
