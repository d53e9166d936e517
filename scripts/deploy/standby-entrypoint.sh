#!/bin/bash
# The standby of docker-compose.yml: on an empty data folder, a base backup of the primary with -R
# (standby.signal and primary_conninfo written for us), then PostgreSQL as a streaming hot standby.
set -euo pipefail
export PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h primary -p 5432; do sleep 1; done
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  gosu postgres pg_basebackup -h primary -p 5432 -U replicator -D "$PGDATA" -R -X stream -P
fi
exec gosu postgres postgres -c hot_standby=on -c jit=off
