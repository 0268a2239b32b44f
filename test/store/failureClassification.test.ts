import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyFailure } from "../../src/domain/failureClass.js";
import { isRetryable } from "../../src/jobs/operationFailure.js";
import { describeFailure } from "../../src/slack/messages/failureText.js";
import { createDatabase } from "../../src/store/database.js";
import { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { OperationRepository, type NewOperation } from "../../src/store/operationRepository.js";
import { buildSpec } from "../cluster/render/fixtures.js";
import { ADMIN_DATABASE_URL, createTestDatabase, type TestDatabase } from "../harness/database.js";

let database: TestDatabase;
let operations: OperationRepository;
let request: NewOperation;

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected the database to refuse this");
}

beforeAll(async () => {
  database = await createTestDatabase();
  operations = new OperationRepository(database.db);
  const { deployment } = await new DeploymentRepository(database.db).createWithOperation({
    spec: buildSpec({ name: "classified" }),
    namespace: "ml-development",
    replicas: 1,
    channelId: "C1",
    teamId: null,
    requestedBy: "U1",
  });
  request = { deploymentId: deployment.id, deploymentName: deployment.name, kind: "scale", status: "awaiting_confirmation", params: {}, requestedBy: "U1", channelId: "C1" };
});
afterAll(async () => {
  await database?.drop();
});

describe("errors classified where they arise, from what real PostgreSQL answers", () => {
  it("reads a second submission with the same idempotency key as already recorded, not as an outage", async () => {
    await operations.create({ ...request, idempotencyKey: "view:V1" });
    const error = await failureOf(() => operations.create({ ...request, idempotencyKey: "view:V1" }));
    expect(classifyFailure(error)).toEqual({ kind: "duplicate", field: "idempotencyKey" });
    expect(describeFailure(error)).toContain("already recorded");
    expect(isRetryable(error)).toBe(false);
  });

  it("names the field of a number too large to store, and does not retry it", async () => {
    const error = await failureOf(() => operations.create({ ...request, requiredApprovals: 2 ** 40 }));
    expect(classifyFailure(error)).toMatchObject({ kind: "invalid", field: "requiredApprovals" });
    expect(describeFailure(error)).toMatch(/^Refused: requiredApprovals /);
    expect(isRetryable(error)).toBe(false);
  });

  it("calls a database that refuses connections an outage, retried", async () => {
    const away = createDatabase("postgresql://postgres@127.0.0.1:1/nothing");
    try {
      const error = await failureOf(() => away.operation.count());
      expect(classifyFailure(error)).toEqual({ kind: "outage", dependency: "database" });
      expect(describeFailure(error)).toContain("database is unreachable");
      expect(isRetryable(error)).toBe(true);
    } finally {
      await away.$disconnect();
    }
  });

  it("calls a session ended by a shutdown an outage, also where Prisma passes the driver's error on as is", () => {
    // What starting a transaction throws once PostgreSQL began shutting down (Prisma does not wrap it).
    const error = Object.assign(new Error("terminating connection due to administrator command"), {
      name: "DriverAdapterError",
      cause: { kind: "postgres", code: "57P01", severity: "FATAL", message: "terminating connection due to administrator command" },
    });
    expect(classifyFailure(error)).toEqual({ kind: "outage", dependency: "database" });
    expect(isRetryable(error)).toBe(true);
  });

  it("calls a connection ended inside a transaction an outage, and gives the connection back to the pool", async () => {
    const own = createDatabase(database.url);
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    try {
      const error = await failureOf(() =>
        own.$transaction(async (tx) => {
          const [backend] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
          // The server ends the session while the transaction is idle (as a shutdown does): the
          // driver learns of it between statements and refuses the next one itself.
          await admin.query("SELECT pg_terminate_backend($1)", [backend?.pid]);
          await new Promise((resolve) => setTimeout(resolve, 200));
          await tx.$queryRaw`SELECT 1`;
        }),
      );
      expect(classifyFailure(error)).toEqual({ kind: "outage", dependency: "database" });
      expect(isRetryable(error)).toBe(true);
    } finally {
      await admin.end();
    }
    // Its ROLLBACK failed too: the connection must still leave the pool, or closing it waits forever.
    const closed = await Promise.race([own.$disconnect().then(() => "closed"), new Promise((resolve) => setTimeout(() => resolve("still waiting"), 10_000))]);
    expect(closed).toBe("closed");
  }, 20_000);
});
