#!/usr/bin/env bash
# Runs once, when the compose PostgreSQL volume is first created (docker-entrypoint-initdb.d):
# creates the bot's and the migrator's roles, as an install on a real server would.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_role=deploybot_app -v app_password="$DEPLOYBOT_APP_DB_PASSWORD" \
  -v migrator_role=deploybot_migrator -v migrator_password="$DEPLOYBOT_MIGRATOR_DB_PASSWORD" \
  -f /docker-entrypoint-initdb.d/database-roles.sql.in
