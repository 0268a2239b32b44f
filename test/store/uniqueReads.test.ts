import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentSpecSchema, GPU_TYPES } from "../../src/domain/deploymentSpec.js";
import { DeploymentRepository, toDeploymentRecord } from "../../src/store/deploymentRepository.js";
import { OperationRepository, toOperationRecord } from "../../src/store/operationRepository.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

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
