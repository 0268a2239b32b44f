import { randomUUID } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { ADMIN_DATABASE_URL, applyMigrations, databaseUrlFor } from "./database.js";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
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

/**
 * Migrates a template database once per run with the committed migrations (the real
 * `prisma migrate deploy`); every test file then copies it into a database of its own. The
 * template's name is unique per run so that runs side by side on one machine do not collide.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `deploybot_template_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await admin(`CREATE DATABASE "${template}"`);
  await applyMigrations(databaseUrlFor(template));
  project.provide("templateDatabase", template);
  return async () => {
    await admin(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  };
}
