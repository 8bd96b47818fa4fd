#!/bin/bash
# Run once by the postgres image on the primary's first start (docker-entrypoint-initdb.d):
# a replication role for the standby's pg_basebackup and streaming, allowed from the network.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${POSTGRES_PASSWORD}';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
