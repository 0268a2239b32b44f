-- deploybot's two database roles, run once by an administrator in deploybot's database:
--   psql "$ADMIN_URL/deploybot" -v ON_ERROR_STOP=1 \
--     -v app_role=deploybot_app -v app_password=... \
--     -v migrator_role=deploybot_migrator -v migrator_password=... \
--     -f scripts/sql/database-roles.sql
-- The migrator owns the schema and runs `prisma migrate deploy` (Kubernetes Job, Secret
-- deploybot-migrator). The bot's role reads and writes rows and can change no table: a leaked
-- bot credential cannot drop or alter the schema.

CREATE ROLE :"migrator_role" LOGIN PASSWORD :'migrator_password';
CREATE ROLE :"app_role" LOGIN PASSWORD :'app_password';

SELECT current_database() AS database \gset
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"migrator_role", :"app_role";

-- Tables live in public; only the migrator may create there (PostgreSQL 15+ already denies
-- CREATE to PUBLIC, this makes it explicit for older servers).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"migrator_role";
GRANT USAGE ON SCHEMA public TO :"app_role";

-- Whatever the migrator creates from now on is usable, not alterable, by the bot.
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrator_role" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrator_role" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
