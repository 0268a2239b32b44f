import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubernetesCluster } from "../../src/cluster/kubernetesClient.js";
import { defaultRenderContext } from "../../src/cluster/render/renderContext.js";
import { DriftDetector } from "../../src/jobs/driftDetection.js";
import { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { DriftRepository } from "../../src/store/driftRepository.js";
import { OperationRepository } from "../../src/store/operationRepository.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";
import { countingPages, storedDeployments } from "./fleetSweeps.js";

const NAMESPACE = "ml-development";
const logger = pino({ level: "silent" });

let database: TestDatabase;
let kube: FakeKubeApiServer;
let deployments: DeploymentRepository;

beforeAll(async () => {
  database = await createTestDatabase();
  kube = await startFakeKubeApiServer({ namespaces: [NAMESPACE] });
  deployments = new DeploymentRepository(database.db);
});
afterAll(async () => {
  await kube?.close();
  await database?.drop();
});

describe("the drift check over a fleet larger than a page", () => {
  it("reads the deployments at rest a page at a time and checks each once, skipping those an operation holds", async () => {
    const live = await storedDeployments(deployments, ["d-1", "d-2", "d-3", "d-4", "d-5"], "live");
    await storedDeployments(deployments, ["d-failed"], "failed");
    const [held = ""] = await storedDeployments(deployments, ["d-scaling"], "live");
    const scale = await new OperationRepository(database.db).createLocked(
      { deploymentId: held, deploymentName: "d-scaling", kind: "scale", status: "queued", params: { replicas: 2 }, requestedBy: "U0FLEET", channelId: "C0FLEET" },
      ["live"],
    );
    expect(scale).not.toBeNull();

    const { reads, pages } = countingPages(deployments);
    const cluster = new KubernetesCluster(kube.kubeConfig(), { fieldManager: "deploybot", logger });
    const detector = new DriftDetector({
      deployments: reads,
      drift: new DriftRepository(database.db),
      clusterFor: () => cluster,
      renderContextFor: (namespace) => defaultRenderContext(namespace),
      logger,
      pageSize: 2,
    });

    const summary = await detector.checkAll();

    expect(pages).toEqual([2, 2, 1]);
    expect(summary).toMatchObject({ checked: 5, missing: 5, problems: [] });
    for (const id of live) expect(await deployments.get(id)).toMatchObject({ status: "missing" });
    // Held by its scale: not read, not checked, still live.
    expect(await deployments.get(held)).toMatchObject({ status: "live", activeOperationId: scale?.id });
  });
});
