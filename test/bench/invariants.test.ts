import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokenInvariants, checkScaleInvariants, type ScaleRequest } from "../../bench/lib/invariants.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

/**
 * The bench's invariant check must catch what it exists for: a broken run cannot be produced
 * through the real bot on purpose, so these rows are written the way a broken bot would leave them.
 */
let database: TestDatabase;
let pool: pg.Pool;
const since = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number) => new Date(since.getTime() + seconds * 1000);

async function deployment(name: string, replicas: number): Promise<void> {
  await pool.query(
    `INSERT INTO "Deployment" (id, name, environment, namespace, spec, status, replicas, "channelId", "createdBy", "updatedAt")
     VALUES ($1, $2, 'development', 'ml-development', '{}', 'live', $3, 'C1', 'U1', now())`,
    [randomUUID(), name, replicas],
  );
}

async function scale(name: string, replicas: number, status: string, startedAt: number, finishedAt: number, appliedTimes = 1): Promise<void> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO "Operation" (id, "deploymentName", kind, status, params, "requestedBy", "channelId", "createdAt", "startedAt", "finishedAt")
     VALUES ($1, $2, 'scale', $3, $4, 'U1', 'C1', $5, $5, $6)`,
    [id, name, status, JSON.stringify({ replicas }), at(startedAt), at(finishedAt)],
  );
  for (let i = 0; i < appliedTimes; i += 1) {
    await pool.query(`INSERT INTO "OperationEvent" ("operationId", step, message) VALUES ($1, 'step', $2)`, [id, `Set ${name}-blue to ${replicas} replicas`]);
  }
  await pool.query(`INSERT INTO "OperationEvent" ("operationId", step, message) VALUES ($1, $2, 'done')`, [id, status]);
}

const cluster = (replicas: Record<string, number>) => ({ replicas: () => Promise.resolve(replicas) });

beforeAll(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

describe("checkScaleInvariants", () => {
  it("passes a clean chain and fails lost, double, twice-run, overlapping and wrong final states", async () => {
    const requests: ScaleRequest[] = [];
    const ask = (name: string, replicas: number) => requests.push({ name, replicas });

    // clean: two scales one after the other, ending at 3 everywhere.
    await deployment("clean", 3);
    ask("clean", 2);
    ask("clean", 3);
    await scale("clean", 2, "succeeded", 1, 2);
    await scale("clean", 3, "succeeded", 3, 4);
    const clean = await checkScaleInvariants(pool, cluster({ "clean-blue": 3 }), requests, since, "ml-development");
    expect(brokenInvariants(clean)).toBe(false);

    // lost: the second request never became a row; double: one request recorded twice.
    await deployment("lost", 2);
    ask("lost", 2);
    ask("lost", 3);
    await scale("lost", 2, "succeeded", 1, 2);
    await deployment("double", 2);
    ask("double", 2);
    await scale("double", 2, "succeeded", 1, 2);
    await scale("double", 2, "succeeded", 3, 4);
    // twice: one row whose job applied the change twice; overlap: two at once on one deployment.
    await deployment("twice", 4);
    ask("twice", 4);
    await scale("twice", 4, "succeeded", 1, 2, 2);
    await deployment("overlap", 5);
    ask("overlap", 4);
    ask("overlap", 5);
    await scale("overlap", 4, "succeeded", 1, 5);
    await scale("overlap", 5, "succeeded", 3, 6);

    const report = await checkScaleInvariants(
      pool,
      cluster({ "clean-blue": 3, "lost-blue": 3, "double-blue": 2, "twice-blue": 4, "overlap-blue": 5 }),
      requests,
      since,
      "ml-development",
    );
    expect(report).toMatchObject({ lost: 1, duplicated: 1, ranTwice: 1, overlapping: 1, notSucceeded: 0 });
    // "lost" stopped at 2 in the store while 3 was the last request.
    expect(report.wrongFinalReplicas).toBe(1);
    expect(brokenInvariants(report)).toBe(true);
  });
});
