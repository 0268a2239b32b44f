import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe("the database connection", () => {
  it("bounds a statement and a transaction left idle, as PostgreSQL itself enforces them", async () => {
    const [settings] = await database.db.$queryRaw<{ statement: string; idle: string }[]>`
      SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`;
    expect(settings).toEqual({ statement: "30s", idle: "1min" });
  });

  it("lets a transaction wait past Prisma's 2 s default for a connection the pool's other users hold", async () => {
    // Every pooled connection (20) busy for 2.5 s, as a worker's jobs keep them under load.
    const holders = Array.from({ length: 20 }, () => database.db.$transaction(async (tx) => tx.$executeRaw`SELECT pg_sleep(2.5)`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const answer = await database.db.$transaction(async (tx) => tx.$queryRaw<{ one: number }[]>`SELECT 1 AS one`);
    expect(answer).toEqual([{ one: 1 }]);
    expect(Date.now() - started).toBeGreaterThan(2_000);
    await Promise.all(holders);
  });
});
