import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_DATABASE_URL, databaseUrlFor } from "../harness/database.js";

/**
 * scripts/sql/database-roles.sql on the real PostgreSQL: the migrator (the Kubernetes Job's
 * credentials) can apply the real migrations, and the bot's role can then use every table but
 * change none, so the bot no longer needs schema rights.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const suffix = randomUUID().replaceAll("-", "").slice(0, 12);
const DATABASE = `deploybot_roles_${suffix}`;
const APP_ROLE = `deploybot_app_${suffix}`;
const MIGRATOR_ROLE = `deploybot_migrator_${suffix}`;

function urlAs(role: string): string {
  const url = new URL(databaseUrlFor(DATABASE));
  url.username = role;
  url.password = "";
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let app: pg.Client;

beforeAll(async () => {
  await admin(`CREATE DATABASE "${DATABASE}"`);
  execFileSync(
    "psql",
    [
      databaseUrlFor(DATABASE),
      "-v", "ON_ERROR_STOP=1", "-q",
      "-v", `app_role=${APP_ROLE}`, "-v", "app_password=app-secret",
      "-v", `migrator_role=${MIGRATOR_ROLE}`, "-v", "migrator_password=migrator-secret",
      "-f", `${ROOT}scripts/sql/database-roles.sql`,
    ],
    { stdio: "pipe" },
  );
  // The Job's command, with the migrator's URL.
  execFileSync("node", ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: urlAs(MIGRATOR_ROLE), CHECKPOINT_DISABLE: "1" },
    stdio: "pipe",
    timeout: 120_000,
  });
  app = new pg.Client({ connectionString: urlAs(APP_ROLE) });
  await app.connect();
}, 180_000);

afterAll(async () => {
  await app?.end();
  await admin(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
  await admin(`DROP ROLE IF EXISTS "${APP_ROLE}"`);
  await admin(`DROP ROLE IF EXISTS "${MIGRATOR_ROLE}"`);
});

describe("the database roles", () => {
  it("let the migrator own every table the migrations create", async () => {
    const owners = await app.query<{ owner: string }>("SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'");
    expect(owners.rows).toEqual([{ owner: MIGRATOR_ROLE }]);
  });

  it("let the bot read and write rows of every table", async () => {
    const missing = await app.query<{ table: string; privilege: string }>(`
      SELECT t.tablename AS table, p.privilege
      FROM pg_tables t CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p(privilege)
      WHERE t.schemaname = 'public' AND NOT has_table_privilege(current_user, format('public.%I', t.tablename), p.privilege)`);
    expect(missing.rows).toEqual([]);
    const tables = await app.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    expect(Number((tables.rows[0] as { count: string }).count)).toBeGreaterThan(1);
    await expect(app.query('SELECT count(*) FROM "Deployment"')).resolves.toBeDefined();
  });

  it("refuse the bot any change to the schema", async () => {
    await expect(app.query('DROP TABLE "Deployment"')).rejects.toThrow(/must be owner/);
    await expect(app.query('ALTER TABLE "Deployment" ADD COLUMN sneaky text')).rejects.toThrow(/must be owner/);
    await expect(app.query("CREATE TABLE public.sneaky (id int)")).rejects.toThrow(/permission denied for schema public/);
    await expect(app.query('TRUNCATE "Deployment"')).rejects.toThrow(/permission denied/);
  });
});
