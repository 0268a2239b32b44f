import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OperationRecord, Requester } from "../../src/domain/operation.js";
import { OperationQueue } from "../../src/jobs/operationQueue.js";
import { AccessControl } from "../../src/operations/accessControl.js";
import { OperationRequests } from "../../src/operations/operationRequests.js";
import { AccessRepository } from "../../src/store/accessRepository.js";
import { ApprovalRepository } from "../../src/store/approvalRepository.js";
import { AuditRepository } from "../../src/store/auditRepository.js";
import { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { OperationRepository } from "../../src/store/operationRepository.js";
import { buildSpec } from "../cluster/render/fixtures.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { createTestRedis, type TestRedis } from "../harness/redis.js";

// Two answers to one gate racing: the second one read the request while it still waited, and the
// deployment after the first answer had locked it for this very request.
let database: TestDatabase;
let redis: TestRedis;
let connection: Redis;
let queue: OperationQueue;
let deployments: DeploymentRepository;
let operations: OperationRepository;
const requester: Requester = { userId: "U0ADMIN", channelId: "C0GATES", teamId: "T0HOME" };

function requestsWith(operationReads: OperationRepository): OperationRequests {
  const access = new AccessControl({
    access: new AccessRepository(database.db),
    directory: { describe: async () => ({ teamId: "T0HOME", guest: false }), groupsOf: async () => [] },
    homeTeamId: () => "T0HOME",
    configuredAdmins: [requester.userId],
  });
  return new OperationRequests({
    deployments,
    operations: operationReads,
    approvals: new ApprovalRepository(database.db),
    audit: new AuditRepository(database.db),
    access,
    queue,
    confirmationTtlMs: 600_000,
    logger: pino({ level: "silent" }),
  });
}

/** The real repository, except that one read of `operationId` answers with an earlier snapshot. */
function readingOnceAsBefore(operationId: string, snapshot: OperationRecord): OperationRepository {
  const reads = Object.create(operations) as OperationRepository;
  let served = false;
  reads.get = async (id: string) => {
    if (id === operationId && !served) {
      served = true;
      return snapshot;
    }
    return operations.get(id);
  };
  return reads;
}

beforeAll(async () => {
  database = await createTestDatabase();
  redis = createTestRedis();
  connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  queue = new OperationQueue(connection, redis.prefix);
  deployments = new DeploymentRepository(database.db);
  operations = new OperationRepository(database.db);
  const { deployment, operation } = await deployments.createWithOperation({ spec: buildSpec({ name: "gate-race", environment: "development" }), namespace: "ml-development", replicas: 1, channelId: requester.channelId, teamId: null, requestedBy: requester.userId, idempotencyKey: "view:gate-race" });
  await deployments.settle(deployment.id, operation.id, "live");
});
afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
  await redis?.cleanup();
  await database?.drop();
});

describe("a second answer to a gate that the first answer already passed", () => {
  it("says the request was answered, and cancels nothing", async () => {
    const requests = requestsWith(operations);
    const asked = await requests.request({ name: "gate-race", kind: "stop", params: {}, requester, confirmation: true });
    if (!asked.ok || asked.state !== "awaiting_confirmation") throw new Error(`not waiting for a confirmation: ${JSON.stringify(asked)}`);
    const waiting = asked.operation;

    expect(await requests.confirm(waiting.id, requester)).toMatchObject({ ok: true });
    // The double click read the request before the first click moved it on.
    const second = await requestsWith(readingOnceAsBefore(waiting.id, waiting)).confirm(waiting.id, requester);

    expect(second).toEqual({ ok: false, message: "This request was already answered and is queued." });
    expect(await operations.get(waiting.id)).toMatchObject({ status: "queued", error: null });
    expect((await operations.events(waiting.id)).map((event) => event.step)).not.toContain("cancelled");
    expect(await deployments.findByName("gate-race")).toMatchObject({ activeOperationId: waiting.id });
  });
});
