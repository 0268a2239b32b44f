import { pino } from "pino";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubernetesCluster } from "../../src/cluster/kubernetesClient.js";
import { defaultRenderContext } from "../../src/cluster/render/renderContext.js";
import type { ProgressPublisher } from "../../src/domain/progress.js";
import { OperationQueue } from "../../src/jobs/operationQueue.js";
import { OperationRunner, type AttemptInfo, type RunOutcome } from "../../src/jobs/operationRunner.js";
import { startOperationWorker } from "../../src/jobs/operationWorker.js";
import type { KindRunner } from "../../src/jobs/runContext.js";
import { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { AuditRepository } from "../../src/store/auditRepository.js";
import { OperationRepository } from "../../src/store/operationRepository.js";
import { RevisionRepository } from "../../src/store/revisionRepository.js";
import { isStaleRun } from "../../src/domain/runFence.js";
import { buildSpec } from "../cluster/render/fixtures.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from "../harness/redis.js";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const silentPublisher: ProgressPublisher = { publish: async () => undefined, threadReply: async () => undefined };

/** What ran, in order: a run never overlaps a compensation if this shows none between run-start and run-end. */
const timeline: string[] = [];

/** A create whose cluster work is a pause, and whose compensation is recorded. */
const recordingRunner: KindRunner = {
  async run() {
    timeline.push("run");
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { detail: "done" };
  },
  async compensate() {
    timeline.push("compensate-start");
    await new Promise((resolve) => setTimeout(resolve, 200));
    timeline.push("compensate-end");
    return [];
  },
};

/**
 * The real runner, whose first attempt fails the way an infrastructure error escapes a run (a
 * database connection dropped between two writes): BullMQ retries it.
 */
class FlakyFirstAttempt extends OperationRunner {
  override async run(operationId: string, attempt: AttemptInfo): Promise<RunOutcome> {
    if (attempt.attempt === 1) {
      timeline.push("attempt-1-error");
      throw new Error("Connection terminated unexpectedly");
    }
    return super.run(operationId, attempt);
  }

  override async abandon(operationId: string, reason: string): Promise<void> {
    timeline.push("abandon");
    return super.abandon(operationId, reason);
  }
}

let database: TestDatabase;
let redis: TestRedis;
let kube: FakeKubeApiServer;
let deployments: DeploymentRepository;
let operations: OperationRepository;

function runnerDeps() {
  const cluster = new KubernetesCluster(kube.kubeConfig(), { fieldManager: "deploybot", logger });
  return {
    deployments,
    operations,
    clusterFor: () => cluster,
    renderContextFor: (namespace: string) => defaultRenderContext(namespace),
    publisher: silentPublisher,
    runners: { create: recordingRunner },
    logger,
  };
}

async function recordCreate(name: string) {
  return deployments.createWithOperation({
    spec: buildSpec({ name }),
    namespace: "ml-development",
    replicas: 1,
    channelId: "C0DEPLOYS",
    teamId: null,
    requestedBy: "U0ALICE",
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  redis = createTestRedis();
  kube = await startFakeKubeApiServer({ namespaces: ["ml-development"] });
  deployments = new DeploymentRepository(database.db);
  operations = new OperationRepository(database.db);
});
afterAll(async () => {
  await kube?.close();
  await redis?.cleanup();
  await database?.drop();
});

describe("settling an operation exactly once", () => {
  it("does not compensate a failed attempt BullMQ retries: the retry runs alone and succeeds", async () => {
    timeline.length = 0;
    const { operation } = await recordCreate("retried-model");
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queueConnection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const queue = new OperationQueue(queueConnection, redis.prefix);
    const worker = startOperationWorker(new FlakyFirstAttempt(runnerDeps()), { connection, prefix: redis.prefix, concurrency: 1, logger });
    try {
      await queue.enqueue(operation.id);
      for (let waited = 0; (await operations.get(operation.id))?.status !== "succeeded"; waited += 100) {
        if (waited > 15_000) throw new Error(`still ${(await operations.get(operation.id))?.status}: ${timeline.join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(timeline).toEqual(["attempt-1-error", "run"]);
      expect((await deployments.get(operation.deploymentId ?? ""))?.status).toBe("live");
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
      queueConnection.disconnect();
    }
  }, 30_000);

  it("lets only one of two settlers (the worker and the recovery sweep) compensate, and no run starts after the claim", async () => {
    timeline.length = 0;
    const { operation } = await recordCreate("abandoned-model");
    const first = new OperationRunner(runnerDeps());
    const second = new OperationRunner(runnerDeps());
    await Promise.all([first.abandon(operation.id, "Gave up after 6 attempts"), second.abandon(operation.id, "The job ended without finishing")]);
    expect(timeline).toEqual(["compensate-start", "compensate-end"]);
    const settled = await operations.get(operation.id);
    expect(settled).toMatchObject({ status: "failed" });
    expect((await deployments.get(operation.deploymentId ?? ""))?.activeOperationId).toBeNull();
  });

  it("does not start a run of an operation someone is settling", async () => {
    timeline.length = 0;
    const { operation } = await recordCreate("claimed-model");
    const now = new Date();
    expect(await operations.claimSettlement(operation.id, now, new Date(now.getTime() - 60_000))).not.toBeNull();
    const outcome = await new OperationRunner(runnerDeps()).run(operation.id, { attempt: 2, maxAttempts: 6, nextDelayMs: 0, signal: new AbortController().signal });
    expect(outcome).toBe("skipped");
    expect(timeline).toEqual([]);
    // A second claim waits for the first to be stale; a claim left by a dead process is taken over.
    expect(await operations.claimSettlement(operation.id, new Date(), new Date(now.getTime() - 1))).toBeNull();
    expect(await operations.claimSettlement(operation.id, new Date(), new Date(now.getTime() + 1))).not.toBeNull();
  });
});

/** A create run that waits for the test to release it, then records a step naming its run. */
function gatedRunner(gates: Promise<string>[]): KindRunner {
  return {
    async run(context) {
      const gate = gates.shift();
      if (!gate) throw new Error("no gate left for this run");
      const name = await gate;
      await context.step(`${name} applied its objects`);
      return { detail: `${name} finished` };
    },
  };
}

function deferred(): { promise: Promise<string>; resolve: (value: string) => void } {
  let resolve: (value: string) => void = () => undefined;
  const promise = new Promise<string>((settle) => (resolve = settle));
  return { promise, resolve };
}

/**
 * Two runs of one operation, as when a worker hangs past its lock and BullMQ hands the job to
 * another: the first takes epoch 1, the second epoch 2. Resolves once both have started.
 */
async function twoRuns(deps: ConstructorParameters<typeof OperationRunner>[0], operationId: string): Promise<{ olderRun: Promise<RunOutcome>; newerRun: Promise<RunOutcome> }> {
  const attempt = (n: number): AttemptInfo => ({ attempt: n, maxAttempts: 6, nextDelayMs: 0, signal: new AbortController().signal });
  const started = async (epoch: number) => {
    for (let waited = 0; (await operations.get(operationId))?.runEpoch !== epoch; waited += 25) {
      if (waited > 5_000) throw new Error(`run ${epoch} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const olderRun = new OperationRunner(deps).run(operationId, attempt(1));
  await started(1);
  const newerRun = new OperationRunner(deps).run(operationId, attempt(2));
  await started(2);
  return { olderRun, newerRun };
}

describe("fencing a stale worker", () => {
  it("refuses the older of two runs on one operation every write, and logs it", async () => {
    const { operation } = await recordCreate("fenced-model");
    const older = deferred();
    const newer = deferred();
    const lines: string[] = [];
    const recordingLogger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
    const deps = { ...runnerDeps(), runners: { create: gatedRunner([older.promise, newer.promise]) }, logger: recordingLogger };
    // The first worker hangs (its lock expires); BullMQ hands the job to a second worker.
    const { olderRun, newerRun } = await twoRuns(deps, operation.id);

    // The first worker wakes up and tries to go on: refused, it stops without settling anything.
    older.resolve("older");
    expect(await olderRun).toBe("skipped");
    expect((await operations.get(operation.id))?.status).toBe("running");
    newer.resolve("newer");
    expect(await newerRun).toBe("succeeded");

    const settled = await operations.get(operation.id);
    expect(settled).toMatchObject({ status: "succeeded", result: { detail: "newer finished" } });
    const messages = (await operations.events(operation.id)).map((event) => event.message);
    expect(messages).toContain("newer applied its objects");
    expect(messages).not.toContain("older applied its objects");
    expect((await deployments.get(operation.deploymentId ?? ""))).toMatchObject({ status: "live", activeOperationId: null });
    expect(lines.some((line) => line.includes("stale run fenced") && line.includes('"epoch":1'))).toBe(true);
    // The trail has the outcome once, the settling run's, with the deployment as it left it.
    const outcomes = (await new AuditRepository(database.db).forDeployment("fenced-model", 1, 50)).records.filter((record) => record.actorId === "deploybot");
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ operationId: operation.id, action: "succeeded", decision: "create", reason: "newer finished", after: { status: "live" } });
  });

  it("writes a run's outcome to the audit trail with its settlement, and nothing when the settlement is refused", async () => {
    const { deployment, operation } = await recordCreate("audited-settlement");
    const run = await operations.beginRun(operation.id, "deploying", new Date());
    if (!run) throw new Error("the run did not start");
    const settlement = (reason: string) => ({
      deploymentId: deployment.id,
      deploymentStatus: "failed" as const,
      statusReason: reason,
      event: { step: "failed" as const, message: reason },
      finishedAt: new Date(),
      error: reason,
      result: {},
      audit: {
        entry: { actorId: "deploybot", operationId: operation.id, deploymentName: deployment.name, action: "failed" as const, decision: "create", reason },
        withStateAfter: false,
      },
    });
    const stale = await operations.settleRun({ operationId: operation.id, epoch: run.runEpoch - 1 }, "failed", settlement("a stale run's outcome")).catch((error: unknown) => error);
    expect(isStaleRun(stale)).toBe(true);
    const trail = () => new AuditRepository(database.db).forDeployment(deployment.name, 1, 50);
    expect((await trail()).records).toEqual([]);
    await operations.settleRun({ operationId: operation.id, epoch: run.runEpoch }, "failed", settlement("the image does not exist"));
    expect((await trail()).records).toMatchObject([{ operationId: operation.id, action: "failed", reason: "the image does not exist" }]);
  });

  it("refuses a stale run's revision outcome: only the run holding the operation says how the revision ended", async () => {
    const { deployment, operation } = await recordCreate("fenced-revision");
    const revisions = new RevisionRepository(database.db);
    await revisions.startForOperation({ deployment, operationId: operation.id, modelVersion: "v2", strategy: "canary", spec: deployment.spec, createdBy: "U0ALICE" });
    const older = await operations.beginRun(operation.id, "deploying", new Date());
    const newer = await operations.beginRun(operation.id, "deploying", new Date());
    if (!older || !newer) throw new Error("the runs did not start");

    const refused = await revisions.finish({ operationId: operation.id, epoch: older.runEpoch }, "failed").catch((error: unknown) => error);
    expect(isStaleRun(refused)).toBe(true);
    expect((await revisions.list(deployment.id)).find((revision) => revision.operationId === operation.id)?.outcome).toBe("in-progress");
    await revisions.finish({ operationId: operation.id, epoch: newer.runEpoch }, "promoted");
    expect((await revisions.list(deployment.id)).find((revision) => revision.operationId === operation.id)?.outcome).toBe("promoted");
  });
});

describe("fencing a stale worker's cluster changes", () => {
  it("stops a stale run at its first change to the cluster, before the API server sees it", async () => {
    const { operation } = await recordCreate("fenced-cluster");
    const older = deferred();
    const newer = deferred();
    // After its gate, each run deletes an object (a change) and records a step naming itself.
    const changingRunner: KindRunner = {
      async run(context) {
        const name = await (context.operation.runEpoch === 1 ? older.promise : newer.promise);
        await context.cluster.deleteObject("Deployment", "ml-development", `fenced-cluster-${name}`);
        await context.step(`${name} changed the cluster`);
        return { detail: `${name} finished` };
      },
    };
    const deps = { ...runnerDeps(), runners: { create: changingRunner } };
    const { olderRun, newerRun } = await twoRuns(deps, operation.id);
    const deletes = () => kube.requests.filter((request) => request.method === "DELETE" && request.path.includes("fenced-cluster-")).map((request) => request.path.split("/").pop());

    older.resolve("older");
    expect(await olderRun).toBe("skipped");
    expect(deletes()).toEqual([]);
    newer.resolve("newer");
    expect(await newerRun).toBe("succeeded");
    expect(deletes()).toEqual(["fenced-cluster-newer"]);
    expect((await operations.events(operation.id)).map((event) => event.message)).not.toContain("older changed the cluster");
  });
});
