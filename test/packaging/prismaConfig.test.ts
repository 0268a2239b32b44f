import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import config, { CatalogTolerantClient, cliAdapter, withDatabase } from "../../prisma.config.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

/**
 * The migration CLI's connection: DATABASE_URL must reach pg unchanged, TLS parameters included,
 * against the real PostgreSQL of this machine (which has no TLS, which is what makes `sslmode`
 * observable: with it honoured, a `require` must fail instead of silently connecting in clear).
 */

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** pg Pool config the factory holds; the factory keeps it to open its pool on connect. */
function poolConfigOf(factory: unknown): pg.PoolConfig {
  return (factory as { config: pg.PoolConfig }).config;
}

describe("prisma.config.ts", () => {
  it("builds the adapter from DATABASE_URL exactly as given", () => {
    const url = "postgresql://migrator:s%40cret@db.internal:6432/deploybot?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fca.pem&application_name=migrate";
    expect(poolConfigOf(cliAdapter(url))).toEqual({ connectionString: url, Client: CatalogTolerantClient });
  });

  it("is what the CLI gets: the config's adapter reads DATABASE_URL at call time", async () => {
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `${database.url}?application_name=deploybot-config-test`;
    try {
      if (!("adapter" in config) || config.adapter === undefined) throw new Error("the config has no adapter");
      // The CLI wraps the adapter so that calls return Results instead of throwing.
      const connected = await (await config.adapter()).connect();
      if (!connected.ok) throw new Error("could not connect");
      const adapter = connected.value;
      try {
        const result = await adapter.queryRaw({ sql: "SELECT current_setting('application_name')", args: [], argTypes: [] });
        expect(result.ok && result.value.rows).toEqual([["deploybot-config-test"]]);
      } finally {
        await adapter.dispose();
      }
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });

  it("connects with every parameter of the URL applied", async () => {
    const adapter = await cliAdapter(`${database.url}?application_name=deploybot-migrate-test&options=-c%20search_path%3Dpg_catalog`).connect();
    try {
      const result = await adapter.queryRaw({ sql: "SELECT current_setting('application_name') AS app, current_setting('search_path') AS path", args: [], argTypes: [] });
      expect(result.rows).toEqual([["deploybot-migrate-test", "pg_catalog"]]);
    } finally {
      await adapter.dispose();
    }
  });

  it("honours sslmode: a server without TLS is refused rather than sent the password in clear", async () => {
    const factory = cliAdapter(`${database.url}?sslmode=verify-full`);
    await expect(factory.connect().then(async (adapter) => adapter.queryRaw({ sql: "SELECT 1", args: [], argTypes: [] }))).rejects.toThrow(/SSL|TLS/i);
  });

  it("lets migrate dev's shadow database name win over the URL's, keeping the other parameters", async () => {
    // adapter-pg opens the shadow database as new Pool({ ...config, database }).
    const client = new CatalogTolerantClient({ connectionString: `${database.url}?application_name=deploybot-shadow-test`, database: "postgres" });
    await client.connect();
    try {
      const result = await client.query<{ db: string; app: string }>("SELECT current_database() AS db, current_setting('application_name') AS app");
      expect(result.rows).toEqual([{ db: "postgres", app: "deploybot-shadow-test" }]);
    } finally {
      await client.end();
    }
  });

  it("moves only the database name into the URL", () => {
    expect(withDatabase("postgresql://u:p%40w@h:5432/app?sslmode=verify-full&sslrootcert=%2Fca.pem", "shadow_1")).toBe(
      "postgresql://u:p%40w@h:5432/shadow_1?sslmode=verify-full&sslrootcert=%2Fca.pem",
    );
  });
});
