import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import { inject } from "vitest";
import { createDatabase, type Database } from "../../src/store/database.js";

const SERVER_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432";
export const ADMIN_DATABASE_URL = `${SERVER_URL}/postgres`;

export function databaseUrlFor(database: string): string {
  return `${SERVER_URL}/${database}`;
}

/** Applies the committed migrations to a database with the real `prisma migrate deploy`. */
export async function applyMigrations(databaseUrl: string): Promise<void> {
  await promisify(execFile)("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: databaseUrl } });
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  db: Database;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, copied from the template the global setup made. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `deploybot_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const template = inject("templateDatabase");
  await withAdmin(async (client) => {
    // Right after `migrate deploy` exits its server backend may still be closing: retry briefly.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      } catch (error) {
        if (attempt >= 50 || !String(error).includes("being accessed by other users")) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
  const url = databaseUrlFor(name);
  const db = createDatabase(url);
  return {
    url,
    db,
    async drop() {
      await db.$disconnect();
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
