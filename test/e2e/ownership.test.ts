import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countAllOperations, eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, CHANNEL, NAMESPACE, USER, deploymentNamed, openModal } from "../harness/deploymentFlows.js";
import { sendViewSubmission } from "../harness/slackRequests.js";
import { CLUSTER_NAME_CHECK_WAIT_MS } from "../../src/operations/deploymentRequests.js";

let h: DeploybotHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Requests that could have changed `path`: anything but reads. */
function writesTo(path: string): string[] {
  return h.kube.requests.filter((r) => r.path === path && r.method !== "GET").map((r) => `${r.method} ${r.path}`);
}

describe("the bot owns exactly what it deploys", () => {
  it("refuses, on the name field, a create whose Service name a hand-made Service holds, and leaves that Service alone", async () => {
    h.kube.put({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "feature-store", namespace: "ml-production", labels: { app: "feature-store" } },
      spec: { selector: { app: "feature-store" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const before = JSON.stringify(h.kube.get("Service", "ml-production", "feature-store"));

    const view = await openModal(h, "create");
    const response = await sendViewSubmission(h.target, {
      userId: USER,
      view: { id: view.id },
      answers: { ...BASE_ANSWERS, name: "feature-store", environment: "production" },
    });
    expect(response.body).toMatchObject({
      response_action: "errors",
      errors: { name: expect.stringContaining("Service feature-store") },
    });
    expect(JSON.stringify(response.body)).toContain("already exists in ml-production");
    expect(await h.store.deployments.findByName("feature-store")).toBeNull();
    expect(await countAllOperations(h)).toBe(0);
    expect(JSON.stringify(h.kube.get("Service", "ml-production", "feature-store"))).toBe(before);
    expect(writesTo("/api/v1/namespaces/ml-production/services/feature-store")).toEqual([]);
  });

  it("refuses a name the cluster holds when the cluster answers too slowly for the form: the modal closes, nothing is recorded, the user is told", async () => {
    h.kube.put({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "slow-store", namespace: "ml-production", labels: { app: "slow-store" } },
      spec: { selector: { app: "slow-store" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const view = await openModal(h, "create");
    const mark = h.slack.calls.length;
    // Slower than the store's reads by far more than CLUSTER_NAME_CHECK_WAIT_MS.
    h.kube.setResponseDelay(CLUSTER_NAME_CHECK_WAIT_MS * 6);
    try {
      const response = await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "slow-store", environment: "production" } });
      expect(response.status).toBe(200);
      expect(response.body).toBe("");
      const told = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "chat.postEphemeral"), 5000, "the private answer");
      expect(told.params).toMatchObject({ channel: CHANNEL, user: USER });
      expect(String(told.params.text)).toMatch(/^slow-store was not created: Service slow-store .*already exists in ml-production/);
    } finally {
      h.kube.setResponseDelay(0);
    }
    expect(await h.store.deployments.findByName("slow-store")).toBeNull();
    expect(await countAllOperations(h)).toBe(0);
    expect(writesTo("/api/v1/namespaces/ml-production/services/slow-store")).toEqual([]);
  });

  it("ends a create that meets a look-alike object by deleting only its own objects", async () => {
    // A PodDisruptionBudget with the bot's name labels copied onto it, but not the bot's mark.
    const pdbPath = `/apis/policy/v1/namespaces/${NAMESPACE}/poddisruptionbudgets/fraud-model`;
    h.kube.put({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: {
        name: "fraud-model",
        namespace: NAMESPACE,
        labels: { "app.kubernetes.io/managed-by": "deploybot", "deploybot.io/deployment": "fraud-model" },
      },
      spec: { maxUnavailable: 1, selector: { matchLabels: { team: "fraud" } } },
    });
    const before = JSON.stringify(h.kube.get("PodDisruptionBudget", NAMESPACE, "fraud-model"));
    // The request-side check cannot read that name (an API server blip): the request is recorded,
    // and the job's own check is what stands between the bot and that object.
    h.kube.failNextRequests(1, { status: 503, match: (method, path) => method === "GET" && path === pdbPath });

    const view = await openModal(h, "create");
    const response = await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "fraud-model" } });
    expect(response.body).toBe("");

    const failed = await eventually(async () => {
      const row = await deploymentNamed(h, "fraud-model");
      return row.status === "failed" ? row : false;
    }, 15_000, "the create to fail");
    expect(failed.statusReason).toContain("PodDisruptionBudget fraud-model");
    expect(failed.statusReason).toContain("does not belong to this deployment");
    expect(failed.activeOperationId).toBeNull();

    // Its own objects were applied, then cleaned up; the look-alike is as it was.
    expect(h.kube.requests.some((r) => r.method === "PATCH" && r.path.endsWith("/deployments/fraud-model-blue"))).toBe(true);
    expect(h.kube.get("Deployment", NAMESPACE, "fraud-model-blue")).toBeUndefined();
    expect(h.kube.get("Service", NAMESPACE, "fraud-model")).toBeUndefined();
    expect(JSON.stringify(h.kube.get("PodDisruptionBudget", NAMESPACE, "fraud-model"))).toBe(before);
    expect(writesTo(pdbPath)).toEqual([]);

    const message = await eventually(
      () => h.slack.messages(CHANNEL).find((m) => m.text?.includes("fraud-model") && JSON.stringify(m.blocks).includes("Cleaned up")) ?? false,
      5000,
      "the failure message",
    );
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain("Deployment fraud-model-blue");
    expect(shown).toContain("does not belong to this deployment");
  });

  it("stamps every object it creates with the deployment id and the operation that applied it", async () => {
    const view = await openModal(h, "create");
    await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "marked-model" } });
    const deployment = await eventually(() => h.store.deployments.findByName("marked-model"), 5000, "the deployment");
    const [operation] = await h.store.operations.recentForDeployment(deployment.id);
    const service = await eventually(() => h.kube.get("Service", NAMESPACE, "marked-model"), 10_000, "the Service");
    for (const object of [service, h.kube.get("Deployment", NAMESPACE, "marked-model-blue")]) {
      expect(object?.metadata.labels?.["deploybot.io/deployment-id"]).toBe(deployment.id);
      expect(object?.metadata.annotations?.["deploybot.io/applied-by-operation"]).toBe(operation?.id);
    }
  });
});
