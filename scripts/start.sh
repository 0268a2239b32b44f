#!/usr/bin/env bash
# Runs the bot: install, build, services check, database migrations, then the bot itself.
# Configuration comes from the environment (or a .env file beside this project); see README.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f .env ]; then set -a; . ./.env; set +a; fi

bash scripts/install.sh
case "${DATABASE_URL:-}${REDIS_URL:-}" in
  *127.0.0.1*|*localhost*|"") bash scripts/ensure-services.sh ;;
esac

# On a machine with the local services, default to them; the bot itself still validates all.
if [ -z "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/deploybot"
  psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'deploybot'" postgres | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE deploybot" postgres >/dev/null
fi
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

npx prisma migrate deploy
npx tsc -p tsconfig.build.json
# The bot's Node runtime settings (V8 heap flags, malloc arenas), as in the image; only the bot's
# process gets them (the build above needs more heap than the bot does).
set -a; . scripts/node-runtime.env; set +a
exec node dist/main.js
