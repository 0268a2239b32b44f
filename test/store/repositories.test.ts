import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentSpecSchema } from "../../src/domain/deploymentSpec.js";
import { DeploymentNameTakenError, DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { OperationRepository } from "../../src/store/operationRepository.js";
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

  it("hands a control request to the runner once", async () => {
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
    expect(await operations.requestControl(operation.id, "pause")).toBe(false);
    await operations.transition(operation.id, ["queued"], "running");
    expect(await operations.requestControl(operation.id, "pause")).toBe(true);
    expect(await operations.takeControl(operation.id)).toBe("pause");
    expect(await operations.takeControl(operation.id)).toBeNull();
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
