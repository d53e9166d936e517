#!/bin/bash
# Run once by the postgis image when the primary's data folder is made (docker-compose.yml): a
# replication user for the standby's pg_basebackup and streaming, and the pg_hba line that lets it in.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$ONEMAP_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
