import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentSpecSchema, GPU_TYPES } from "../../src/domain/deploymentSpec.js";
import { DeploymentNameTakenError, DeploymentRepository, toDeploymentRecord } from "../../src/store/deploymentRepository.js";
import { StaleRunError, fenceOf } from "../../src/domain/runFence.js";
import { OperationRepository, toOperationRecord } from "../../src/store/operationRepository.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { createDatabase, type Database } from "../../src/store/database.js";
import { AuditRepository } from "../../src/store/auditRepository.js";
import { classifyFailure } from "../../src/domain/failureClass.js";
import type { DeploymentRecord } from "../../src/domain/deployment.js";

let database: TestDatabase;
let deployments: DeploymentRepository;
let operations: OperationRepository;

beforeAll(async () => {
  database = await createTestDatabase();
  deployments = new DeploymentRepository(database.db);
  operations = new OperationRepository(database.db);
});
afterAll(async () => {
  await database?.drop();
});

function newDeployment(name: string, key: string) {
  const spec = deploymentSpecSchema.parse({
    name,
    modelId: "model-001",
    modelVersion: "v1",
    resources: { cpuCores: 1, memoryGb: 2 },
    scaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilization: 70, targetMemoryUtilization: 80 },
  });
  return { spec, namespace: "ml-development", replicas: 1, channelId: "C1", teamId: null, requestedBy: "U1", idempotencyKey: key };
}

describe("repositories on real PostgreSQL", () => {
  it("lets exactly one of two racing creates with the same name win", async () => {
    const results = await Promise.allSettled([
      deployments.createWithOperation(newDeployment("racer", "view:a")),
      deployments.createWithOperation(newDeployment("racer", "view:b")),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected");
    expect(rejected?.status === "rejected" && rejected.reason).toBeInstanceOf(DeploymentNameTakenError);
    expect(await operations.historyForName("racer")).toHaveLength(1);
  });

  it("records a create with its operation holding the lock, and settles status and lock together", async () => {
    const { deployment, operation } = await deployments.createWithOperation(newDeployment("locked", "view:c"));
    expect(deployment.activeOperationId).toBe(operation.id);
    expect(await deployments.tryLock(deployment.id, "00000000-0000-4000-8000-000000000000", ["pending"])).toBe(false);
    await deployments.settle(deployment.id, operation.id, "live");
    expect(await deployments.get(deployment.id)).toMatchObject({ status: "live", activeOperationId: null });
  });

  it("gives the lock to one of two racing operations", async () => {
    const deployment = await deployments.findByName("locked");
    if (!deployment) throw new Error("missing");
    const request = (kind: "scale" | "stop") =>
      operations.createLocked(
        { deploymentId: deployment.id, deploymentName: deployment.name, kind, status: "queued", params: {}, requestedBy: "U1", channelId: "C1" },
        ["live"],
      );
    const [first, second] = await Promise.all([request("scale"), request("stop")]);
    expect([first, second].filter((operation) => operation !== null)).toHaveLength(1);
    const raced = (await operations.recentForDeployment(deployment.id, 100)).filter((operation) => operation.kind === "scale" || operation.kind === "stop");
    expect(raced).toHaveLength(1);
  });

  it("hands a control request to the runner once, and refuses a stale run's writes", async () => {
    const deployment = await deployments.findByName("racer");
    if (!deployment) throw new Error("missing");
    const operation = await operations.create({
      deploymentId: deployment.id,
      deploymentName: deployment.name,
      kind: "update-model",
      status: "queued",
      params: {},
      requestedBy: "U1",
      channelId: "C1",
    });
    expect(await operations.requestControl(operation.id, "pause", "U1")).toBe(false);
    const first = await operations.beginRun(operation.id, "updating", new Date());
    if (!first) throw new Error("the run did not start");
    expect(first.runEpoch).toBe(1);
    expect(await operations.requestControl(operation.id, "pause", "U1")).toBe(true);
    expect(await operations.takeControl(fenceOf(first))).toEqual({ control: "pause", requestedBy: "U1" });
    expect(await operations.takeControl(fenceOf(first))).toBeUndefined();

    // A second worker takes the operation over: the first one's writes are refused from now on.
    const second = await operations.beginRun(operation.id, "updating", new Date());
    expect(second?.runEpoch).toBe(2);
    await expect(operations.saveCheckpoint(fenceOf(first), { stepIndex: 9 })).rejects.toBeInstanceOf(StaleRunError);
    await expect(operations.recordRunEvent(fenceOf(first), "step", "from the stale worker")).rejects.toBeInstanceOf(StaleRunError);
    await expect(operations.takeControl(fenceOf(first))).rejects.toBeInstanceOf(StaleRunError);
    await expect(
      operations.settleRun(fenceOf(first), "succeeded", {
        deploymentId: deployment.id,
        deploymentStatus: "live",
        statusReason: null,
        event: { step: "succeeded", message: "stale" },
        finishedAt: new Date(),
        result: {},
      }),
    ).rejects.toBeInstanceOf(StaleRunError);
    await expect(deployments.update(deployment.id, { replicas: 7 }, fenceOf(first))).rejects.toBeInstanceOf(StaleRunError);
    if (!second) throw new Error("the second run did not start");
    await operations.saveCheckpoint(fenceOf(second), { stepIndex: 1 });
    expect((await deployments.update(deployment.id, { replicas: 2 }, fenceOf(second))).replicas).toBe(2);
    const after = await operations.get(operation.id);
    expect(after).toMatchObject({ status: "running", checkpoint: { stepIndex: 1 } });
    expect((await operations.events(operation.id)).map((event) => event.message)).not.toContain("from the stale worker");

    // Abort and Resume clicked together: abort wins, both clicks are recorded with their fate.
    await operations.requestControl(operation.id, "abort", "U2");
    await operations.requestControl(operation.id, "resume", "U3");
    expect(await operations.takeControl(fenceOf(second))).toEqual({ control: "abort", requestedBy: "U2" });
    const clicks = await operations.controlRequests(operation.id);
    expect(clicks.map((click) => [click.control, click.requestedBy, click.outcome])).toEqual([
      ["pause", "U1", "applied"],
      ["abort", "U2", "applied"],
      ["resume", "U3", "superseded by abort"],
    ]);
  });

  it("confirms in one transaction: a double click queues once, a busy deployment changes nothing", async () => {
    const { deployment, operation: create } = await deployments.createWithOperation(newDeployment("gated", "view:g"));
    await deployments.settle(deployment.id, create.id, "live");
    const gated = (kind: "stop" | "delete") =>
      operations.create({ deploymentId: deployment.id, deploymentName: deployment.name, kind, status: "awaiting_confirmation", params: {}, requestedBy: "U1", channelId: "C1" });
    const confirm = (operationId: string) =>
      operations.queueFromGate({
        operationId,
        deploymentId: deployment.id,
        from: ["awaiting_confirmation"],
        allowedStatuses: ["live"],
        decidedBy: "U1",
        decidedAt: new Date(),
        event: { step: "confirmed", message: "Confirmed by <@U1>" },
      });
    const stop = await gated("stop");
    const answers = await Promise.all([confirm(stop.id), confirm(stop.id)]);
    expect(answers.sort()).toEqual(["answered", "queued"]);
    expect(await operations.get(stop.id)).toMatchObject({ status: "queued", decidedBy: "U1" });
    expect((await operations.events(stop.id)).filter((event) => event.step === "confirmed")).toHaveLength(1);
    expect((await deployments.get(deployment.id))?.activeOperationId).toBe(stop.id);

    const remove = await gated("delete");
    expect(await confirm(remove.id)).toBe("busy");
    expect(await operations.get(remove.id)).toMatchObject({ status: "awaiting_confirmation", decidedBy: null });
    expect((await operations.events(remove.id)).filter((event) => event.step === "confirmed")).toHaveLength(0);
    expect((await deployments.get(deployment.id))?.activeOperationId).toBe(stop.id);
  });

  it("keeps operations as history when the deployment is deleted", async () => {
    const deployment = await deployments.findByName("racer");
    if (!deployment) throw new Error("missing");
    await deployments.delete(deployment.id);
    const history = await operations.historyForName("racer");
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.every((operation) => operation.deploymentId === null)).toBe(true);
  });
});

const MISSING_ID = "00000000-0000-4000-8000-000000000000";

/** Every nullable column set (a freeze, a missing status, a gate, a result, a checkpoint): the reads must carry each one. */
async function fullyPopulated() {
  const spec = deploymentSpecSchema.parse({
    name: "every-column",
    environment: "production",
    modelId: "model-001",
    modelVersion: "v3",
    resources: { cpuCores: 2, memoryGb: 4, gpuCount: 1, gpuType: GPU_TYPES[0] },
    scaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 60, targetMemoryUtilization: 75, autoscalingEnabled: true },
    env: [{ kind: "plain", name: "MODEL_CACHE", value: "/cache" }],
  });
  const { deployment, operation } = await deployments.createWithOperation({
    spec,
    namespace: "ml-production",
    replicas: 2,
    channelId: "C1",
    teamId: "T1",
    requestedBy: "U1",
    idempotencyKey: "view:V-every-column",
    approval: { requiredApprovals: 1, expiresAt: new Date("2030-01-01T00:00:00Z") },
  });
  await database.db.deployment.update({
    where: { id: deployment.id },
    data: { lockedBy: "U2", lockReason: "release freeze", lockedAt: new Date("2026-11-30T10:00:00Z"), statusReason: "gone from the cluster", statusBeforeMissing: "live" },
  });
  await database.db.operation.update({
    where: { id: operation.id },
    data: {
      messageTs: "1700000000.000100",
      threadTs: "1700000000.000100",
      decidedBy: "U3",
      decidedAt: new Date("2026-11-30T10:05:00Z"),
      baseSpecVersion: 1,
      error: "an error",
      result: { replicas: 2 },
      checkpoint: { step: 2, weights: [10, 50] },
      settlingSince: new Date("2026-11-30T10:06:00Z"),
      startedAt: new Date("2026-11-30T10:05:30Z"),
      finishedAt: new Date("2026-11-30T10:07:00Z"),
    },
  });
  return { deploymentId: deployment.id, operationId: operation.id };
}

describe("reads by key, as one plain SELECT each", () => {
  it("give the records Prisma's typed reads give, every column included", async () => {
    const { deploymentId, operationId } = await fullyPopulated();
    const deploymentRow = await database.db.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    const operationRow = await database.db.operation.findUniqueOrThrow({ where: { id: operationId } });

    expect(await deployments.get(deploymentId)).toEqual(toDeploymentRecord(deploymentRow));
    expect(await deployments.findByName("every-column")).toEqual(toDeploymentRecord(deploymentRow));
    expect(await operations.get(operationId)).toEqual(toOperationRecord(operationRow));
    expect(await operations.findByIdempotencyKey("view:V-every-column")).toEqual(toOperationRecord(operationRow));
    // The checks above are only as good as the columns they see: make sure they saw these.
    expect(toDeploymentRecord(deploymentRow).freeze).toEqual({ holder: "U2", reason: "release freeze", since: new Date("2026-11-30T10:00:00Z") });
    expect(toOperationRecord(operationRow)).toMatchObject({ result: { replicas: 2 }, decidedAt: new Date("2026-11-30T10:05:00Z"), requiredApprovals: 1 });
  });

  it("answer null for what is not stored", async () => {
    expect(await deployments.get(MISSING_ID)).toBeNull();
    expect(await deployments.findByName("never-created")).toBeNull();
    expect(await operations.get(MISSING_ID)).toBeNull();
    expect(await operations.findByIdempotencyKey("view:never")).toBeNull();
  });
});

describe("writes on every operation's path, as one statement each", () => {
  // Another client whose session is not in UTC: the timestamps these statements write come from
  // the bot, as a typed write's do, and must not move with the server's time zone.
  let tokyo: Database;
  beforeAll(() => {
    tokyo = createDatabase(`${database.url}?options=-c%20TimeZone%3DAsia%2FTokyo`);
  });
  afterAll(async () => {
    await tokyo?.$disconnect();
  });

  async function liveDeployment(name: string) {
    const { deployment, operation } = await deployments.createWithOperation(newDeployment(name, `view:${name}`));
    await deployments.settle(deployment.id, operation.id, "live");
    return deployment;
  }

  it("records an operation as a typed create would, with its requested event, at the bot's time", async () => {
    expect(await tokyo.$queryRaw`SHOW TimeZone`).toEqual([{ TimeZone: "Asia/Tokyo" }]);
    const deployment = await liveDeployment("recorded");
    const repository = new OperationRepository(tokyo);
    const before = Date.now();
    const locked = await repository.createLocked(
      { deploymentId: deployment.id, deploymentName: deployment.name, kind: "scale", status: "queued", params: { replicas: 3, nested: { a: [1, "b"] } }, requestedBy: "U7", channelId: "C7", environment: "development", baseSpecVersion: 1 },
      ["live"],
    );
    const gated = await repository.create({
      deploymentId: deployment.id,
      deploymentName: deployment.name,
      kind: "stop",
      status: "awaiting_approval",
      params: {},
      requestedBy: "U8",
      channelId: "C8",
      threadTs: "1700000000.000200",
      gateExpiresAt: new Date("2030-01-01T00:00:00Z"),
      idempotencyKey: "view:recorded-stop",
      requiredApprovals: 2,
    });
    const after = Date.now();
    if (!locked) throw new Error("the lock was refused");
    for (const operation of [locked, gated]) {
      expect(operation).toEqual(toOperationRecord(await database.db.operation.findUniqueOrThrow({ where: { id: operation.id } })));
      expect(operation.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(operation.createdAt.getTime()).toBeLessThanOrEqual(after + 1);
      const events = await operations.events(operation.id);
      expect(events.map((event) => [event.step, event.message])).toEqual([["requested", `Requested by <@${operation.requestedBy}>`]]);
      expect(events[0]?.at.getTime()).toBe(operation.createdAt.getTime());
    }
    expect(locked).toMatchObject({ params: { replicas: 3, nested: { a: [1, "b"] } }, environment: "development", baseSpecVersion: 1, requiredApprovals: 0, threadTs: null });
    expect(gated).toMatchObject({ requiredApprovals: 2, gateExpiresAt: new Date("2030-01-01T00:00:00Z") });
    expect((await operations.findByIdempotencyKey("view:recorded-stop"))?.id).toBe(gated.id);
    expect(await deployments.get(deployment.id)).toMatchObject({ activeOperationId: locked.id });

    // Held: a second operation is refused and leaves nothing behind; in another status, too.
    expect(await repository.createLocked({ deploymentId: deployment.id, deploymentName: deployment.name, kind: "stop", status: "queued", params: {}, requestedBy: "U7", channelId: "C7" }, ["live"])).toBeNull();
    expect(await operations.historyForName("recorded")).toHaveLength(3);
    // The same idempotency key twice is the database's to refuse, as a duplicate.
    await expect(
      repository.create({ deploymentId: deployment.id, deploymentName: deployment.name, kind: "stop", status: "awaiting_approval", params: {}, requestedBy: "U8", channelId: "C8", idempotencyKey: "view:recorded-stop" }),
    ).rejects.toSatisfy((error) => classifyFailure(error).kind === "duplicate");

    await repository.setMessage(locked.id, { messageTs: "1700000000.000300" });
    await repository.setMessage(gated.id, { messageTs: "1700000000.000400" });
    expect(await operations.get(locked.id)).toMatchObject({ messageTs: "1700000000.000300", threadTs: null });
    expect(await operations.get(gated.id)).toMatchObject({ messageTs: "1700000000.000400", threadTs: "1700000000.000200" });
  });

  it("settles a run with its deployment, event and audit entry together, the deployment as left in the entry", async () => {
    const deployment = await liveDeployment("settled");
    const run = await startedRun(deployment, "scale");
    const repository = new OperationRepository(tokyo);
    const updated = await new DeploymentRepository(tokyo).update(deployment.id, { replicas: 4, statusReason: null }, fenceOf(run));
    expect(updated).toEqual(toDeploymentRecord(await database.db.deployment.findUniqueOrThrow({ where: { id: deployment.id } })));
    expect(updated).toMatchObject({ replicas: 4, specVersion: deployment.specVersion });
    const finishedAt = new Date("2026-12-01T12:00:00.123Z");
    await repository.settleRun(fenceOf(run), "succeeded", {
      deploymentId: deployment.id,
      deploymentStatus: "live",
      statusReason: null,
      event: { step: "succeeded", message: "Scaled to 4", data: { replicas: 4 } },
      finishedAt,
      result: { replicas: 4 },
      audit: { entry: { actorId: "U1", deploymentName: "settled", operationId: run.id, action: "succeeded", decision: "scale", after: { ignored: true } }, withStateAfter: true },
    });
    expect(await operations.get(run.id)).toMatchObject({ status: "succeeded", finishedAt, result: { replicas: 4 }, error: null });
    const live = await deployments.get(deployment.id);
    expect(live).toMatchObject({ status: "live", activeOperationId: null, replicas: 4 });
    expect((await operations.events(run.id)).at(-1)).toMatchObject({ step: "succeeded", message: "Scaled to 4", data: { replicas: 4 } });
    const [entry] = (await new AuditRepository(database.db).forDeployment("settled", 1, 10)).records;
    expect(entry).toMatchObject({ action: "succeeded", decision: "scale", operationId: run.id, after: { status: "live", replicas: 4, spec: JSON.parse(JSON.stringify(live?.spec)) } });
  });

  it("settles a delete by removing its deployment, and refuses a stale run's settlement whole", async () => {
    const deployment = await liveDeployment("removed");
    const stale = await startedRun(deployment, "delete");
    const run = await operations.beginRun(stale.id, "deleting", new Date());
    if (!run) throw new Error("the second run did not start");
    const settlement = (message: string) => ({
      deploymentId: deployment.id,
      deploymentStatus: "deleted" as const,
      statusReason: null,
      event: { step: "failed" as const, message },
      finishedAt: new Date(),
      error: message,
      result: { cleanedUp: true },
      audit: { entry: { actorId: "U1", deploymentName: "removed", operationId: run.id, action: "failed" as const, after: { removed: true } }, withStateAfter: true },
    });
    await expect(operations.settleRun(fenceOf(stale), "failed", settlement("stale"))).rejects.toBeInstanceOf(StaleRunError);
    expect(await deployments.get(deployment.id)).not.toBeNull();
    expect((await operations.events(run.id)).map((event) => event.message)).not.toContain("stale");
    expect((await new AuditRepository(database.db).forDeployment("removed", 1, 10)).total).toBe(0);

    await operations.settleRun(fenceOf(run), "failed", settlement("removed on request"));
    expect(await deployments.get(deployment.id)).toBeNull();
    expect(await operations.get(run.id)).toMatchObject({ status: "failed", error: "removed on request", deploymentId: null });
    const [entry] = (await new AuditRepository(database.db).forDeployment("removed", 1, 10)).records;
    expect(entry).toMatchObject({ action: "failed", after: { removed: true } });
    // A run's update of a deployment gone meanwhile is an error, not a stale run.
    await expect(deployments.update(deployment.id, { replicas: 2 }, fenceOf(run))).rejects.toThrow(/no longer exists/);
  });

  it("moves the spec's version with the spec", async () => {
    const deployment = await liveDeployment("respecified");
    const run = await startedRun(deployment, "edit");
    const spec = { ...deployment.spec, environment: "staging" as const, modelVersion: "v2" };
    const updated = await deployments.update(deployment.id, { spec, activeSlot: "green", lastStrategy: "canary", status: "updating", statusReason: "editing" }, fenceOf(run));
    expect(updated).toMatchObject({ spec, environment: "staging", specVersion: deployment.specVersion + 1, activeSlot: "green", lastStrategy: "canary", status: "updating", statusReason: "editing" });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(deployment.updatedAt.getTime());
  });
});

/** A queued operation of `kind` on `deployment`, holding its lock, and its run started. */
async function startedRun(deployment: DeploymentRecord, kind: "scale" | "delete" | "edit") {
  const queued = await operations.createLocked({ deploymentId: deployment.id, deploymentName: deployment.name, kind, status: "queued", params: {}, requestedBy: "U1", channelId: "C1" }, ["live"]);
  if (!queued) throw new Error("the lock was refused");
  const run = await operations.beginRun(queued.id, "scaling", new Date());
  if (!run) throw new Error("the run did not start");
  return run;
}
