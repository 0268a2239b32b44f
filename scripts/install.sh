#!/usr/bin/env bash
# Installs the locked dependencies when they are missing or stale, and generates the Prisma client.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.deploybot-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund
  touch "$stamp"
fi
# Generating reads the schema, whose datasource names DATABASE_URL: without one the CLI falls
# back to the native query engine and tries to download it. Generation never connects.
DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/unused}" npx prisma generate >/dev/null
