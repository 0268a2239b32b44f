import { pino } from "pino";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubernetesCluster } from "../../src/cluster/kubernetesClient.js";
import { defaultRenderContext } from "../../src/cluster/render/renderContext.js";
import type { ProgressPublisher } from "../../src/domain/progress.js";
import { OperationQueue } from "../../src/jobs/operationQueue.js";
import { ANNOUNCEMENT_GRACE_MS, OperationRecovery } from "../../src/jobs/operationRecovery.js";
import { OperationRunner } from "../../src/jobs/operationRunner.js";
import { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { OperationRepository } from "../../src/store/operationRepository.js";
import { buildSpec } from "../cluster/render/fixtures.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from "../harness/redis.js";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const silentPublisher: ProgressPublisher = { publish: async () => undefined, threadReply: async () => undefined };

let database: TestDatabase;
let redis: TestRedis;
let kube: FakeKubeApiServer;
let connection: Redis;
let queue: OperationQueue;
let deployments: DeploymentRepository;
let operations: OperationRepository;
let clock = new Date();

beforeAll(async () => {
  database = await createTestDatabase();
  redis = createTestRedis();
  kube = await startFakeKubeApiServer({ namespaces: ["ml-development"] });
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  queue = new OperationQueue(connection, redis.prefix);
  deployments = new DeploymentRepository(database.db);
  operations = new OperationRepository(database.db);
});
afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
  await kube?.close();
  await redis?.cleanup();
  await database?.drop();
});

function recovery(): OperationRecovery {
  const cluster = new KubernetesCluster(kube.kubeConfig(), { fieldManager: "deploybot", logger });
  const runner = new OperationRunner({
    deployments,
    operations,
    clusterFor: () => cluster,
    renderContextFor: (namespace: string) => defaultRenderContext(namespace),
    publisher: silentPublisher,
    runners: {},
    logger,
  });
  return new OperationRecovery({ operations, queue, runner, logger, now: () => clock });
}

async function recordQueued(name: string) {
  const { operation } = await deployments.createWithOperation({ spec: buildSpec({ name }), namespace: "ml-development", replicas: 1, channelId: "C0DEPLOYS", teamId: null, requestedBy: "U0ALICE" });
  return operation;
}

const inQueue = async (operationId: string): Promise<boolean> => (await queue.queue.getJob(operationId)) !== undefined;

describe("the recovery sweep and an operation its request is still announcing", () => {
  it("leaves a just-recorded operation without its first message to the request, and enqueues it once announced", async () => {
    const operation = await recordQueued("being-announced");
    clock = new Date(operation.createdAt.getTime() + 1_000);
    await recovery().sweep();
    // Enqueued now, its job could post a second message beside the one the request is posting.
    expect(await inQueue(operation.id)).toBe(false);

    await operations.setMessage(operation.id, { messageTs: "1700000000.000200" });
    expect(await recovery().sweep()).toMatchObject({ requeued: 1 });
    expect(await inQueue(operation.id)).toBe(true);
  });

  it("enqueues one still without a message after the grace: its request is gone, and the job posts the message", async () => {
    const operation = await recordQueued("request-crashed");
    clock = new Date(operation.createdAt.getTime() + ANNOUNCEMENT_GRACE_MS - 1_000);
    await recovery().sweep();
    expect(await inQueue(operation.id)).toBe(false);

    clock = new Date(operation.createdAt.getTime() + ANNOUNCEMENT_GRACE_MS + 1_000);
    await recovery().sweep();
    expect(await inQueue(operation.id)).toBe(true);
  });
});
