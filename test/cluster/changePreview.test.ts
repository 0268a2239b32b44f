import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { previewApply, previewDeletion } from "../../src/cluster/changePreview.js";
import { ClusterError } from "../../src/cluster/clusterError.js";
import { KubernetesCluster } from "../../src/cluster/kubernetesClient.js";
import { summarizeChanges } from "../../src/cluster/objectDiff.js";
import { identityLabels } from "../../src/cluster/render/labels.js";
import { defaultRenderContext } from "../../src/cluster/render/renderContext.js";
import { renderDeploymentObjects, type DeploymentState } from "../../src/cluster/render/renderDeploymentObjects.js";
import type { DeploymentSpec } from "../../src/domain/deploymentSpec.js";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";
import { buildSpec, type SpecPatch } from "./render/fixtures.js";

/** `--dry-run` previews through the real client against the fake API server: what they say, and that they change nothing. */

const NAMESPACE = "ml-dev";
const ctx = defaultRenderContext(NAMESPACE);
const OWNER = { deploymentId: "11111111-1111-4111-8111-111111111111", deploymentName: "resnet-prod", operationId: "22222222-2222-4222-8222-222222222222" };
const prune = { namespace: NAMESPACE, labels: identityLabels("resnet-prod") };
const SECRET = "do-not-show-me";
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

let server: FakeKubeApiServer;
let cluster: KubernetesCluster;

function spec(patch: SpecPatch = {}): DeploymentSpec {
  return buildSpec({ env: [{ kind: "plain", name: "API_TOKEN", value: SECRET }], ...patch });
}

function render(deploymentSpec: DeploymentSpec, state: Partial<DeploymentState> = {}) {
  return renderDeploymentObjects(deploymentSpec, { activeSlot: "blue", replicas: 2, ...state }, ctx).objects;
}

/** Every stored object with its resourceVersion, plus the store's list resourceVersion: any write shows. */
function storeSnapshot(): string {
  const kinds = ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Namespace"];
  return JSON.stringify(kinds.map((kind) => server.list(kind)));
}

beforeEach(async () => {
  server = await startFakeKubeApiServer({ namespaces: [NAMESPACE] });
  cluster = new KubernetesCluster(server.kubeConfig(), { fieldManager: "deploybot", logger });
});

afterEach(async () => {
  await server.close();
});

describe("dry-run previews against the fake API server", () => {
  it("previews a create: every object would be created, none is", async () => {
    const objects = render(spec({ scaling: { autoscalingEnabled: true, minReplicas: 2 } }));
    const changes = await previewApply(cluster, objects, prune);
    expect(changes.map((c) => `${c.kind} ${c.name}: ${c.action}`)).toEqual([
      "Deployment resnet-prod-blue: created",
      "Service resnet-prod: created",
      "HorizontalPodAutoscaler resnet-prod: created",
      "PodDisruptionBudget resnet-prod: created",
    ]);
    expect(server.objectCount()).toBe(0);
    expect(server.requests.filter((r) => r.method === "PATCH").every((r) => r.query.dryRun === "All")).toBe(true);
  });

  it("previews a scale as spec.replicas only, and leaves the cluster as it was", async () => {
    const current = spec();
    await cluster.apply(render(current, { replicas: 2 }), { owner: OWNER });
    const before = storeSnapshot();

    const changes = await previewApply(cluster, render(current, { replicas: 5 }), prune);
    expect(summarizeChanges(changes)).toBe(
      ["Deployment resnet-prod-blue: spec.replicas 2 → 5", "Service resnet-prod: unchanged"].join("\n"),
    );
    expect(storeSnapshot()).toBe(before);
  });

  it("returns the live object and the dry-run answer for each object", async () => {
    const current = spec();
    await cluster.apply(render(current), { owner: OWNER });
    const live = server.get("Deployment", NAMESPACE, "resnet-prod-blue");
    const [deployment, service] = await cluster.dryRunApply(render(current, { replicas: 3 }));
    expect(deployment?.live?.metadata?.resourceVersion).toBe(live?.metadata.resourceVersion);
    expect(deployment?.after.metadata?.resourceVersion).toBe(live?.metadata.resourceVersion);
    expect((deployment?.after as { spec?: { replicas?: number } }).spec?.replicas).toBe(3);
    expect(service?.live).not.toBeNull();
    expect(await cluster.dryRunApply([])).toEqual([]);
  });

  it("previews turning auto-scaling off: the HPA no longer rendered is listed as deleted", async () => {
    await cluster.apply(render(spec({ scaling: { autoscalingEnabled: true, minReplicas: 2 } })), { owner: OWNER });
    const before = storeSnapshot();

    const changes = await previewApply(cluster, render(spec({ scaling: { autoscalingEnabled: false } }), { replicas: 2 }), prune);
    expect(changes.find((c) => c.kind === "HorizontalPodAutoscaler")).toEqual({
      kind: "HorizontalPodAutoscaler",
      name: "resnet-prod",
      action: "deleted",
      fields: [],
    });
    // Without the prune set the preview only covers what is applied.
    const unpruned = await previewApply(cluster, render(spec({ scaling: { autoscalingEnabled: false } }), { replicas: 2 }));
    expect(unpruned.some((c) => c.kind === "HorizontalPodAutoscaler")).toBe(false);
    expect(storeSnapshot()).toBe(before);
  });

  it("previews a stop and a delete", async () => {
    await cluster.apply(render(spec({ scaling: { autoscalingEnabled: true, minReplicas: 2 } })), { owner: OWNER });
    const before = storeSnapshot();

    const stop = await previewApply(cluster, render(spec({ scaling: { autoscalingEnabled: true, minReplicas: 2 } }), { stopped: true }), prune);
    expect(summarizeChanges(stop)).toBe(
      [
        "Deployment resnet-prod-blue: spec.replicas 1 → 0",
        "Service resnet-prod: unchanged",
        "HorizontalPodAutoscaler resnet-prod: deleted",
        "PodDisruptionBudget resnet-prod: deleted",
      ].join("\n"),
    );

    const deletion = await previewDeletion(cluster, prune);
    expect(deletion.map((c) => `${c.kind} ${c.name}: ${c.action}`)).toEqual([
      "HorizontalPodAutoscaler resnet-prod: deleted",
      "PodDisruptionBudget resnet-prod: deleted",
      "Service resnet-prod: deleted",
      "Deployment resnet-prod-blue: deleted",
    ]);
    expect(storeSnapshot()).toBe(before);
  });

  it("previews an edit of an environment variable without its value", async () => {
    await cluster.apply(render(spec()), { owner: OWNER });
    const edited = buildSpec({ env: [{ kind: "plain", name: "API_TOKEN", value: "another-secret" }, { kind: "plain", name: "LOG_LEVEL", value: "debug" }] });
    const text = summarizeChanges(await previewApply(cluster, render(edited), prune));
    expect(text).toContain("env[API_TOKEN].value (hidden) → (hidden)");
    expect(text).toContain("env[LOG_LEVEL] (none) → ");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("another-secret");
    expect(text).not.toContain("debug");
  });

  it("previews turning the load balancer on as replacing the headless Service", async () => {
    await cluster.apply(render(spec({ loadBalancer: { enabled: false } })), { owner: OWNER });
    const before = storeSnapshot();
    const changes = await previewApply(cluster, render(spec({ loadBalancer: { enabled: true } })), prune);
    const service = changes.find((c) => c.kind === "Service");
    expect(service?.action).toBe("replaced");
    expect(service?.fields).toContainEqual({ path: "spec.clusterIP", before: "None", after: undefined });
    expect(storeSnapshot()).toBe(before);
  });

  it("classifies failures like apply", async () => {
    const objects = render(spec());
    server.failNextRequests(1, { status: 500, match: (method) => method === "PATCH" });
    const error = await previewApply(cluster, objects, prune).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect(error).toMatchObject({ code: 500, retryable: true });
    expect((error as ClusterError).message).toMatch(/^Kubernetes could not handle Deployment resnet-prod-blue in ml-dev/);

    const missing = await previewApply(cluster, render(spec(), {}).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: "ml-missing" } })))
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 404, retryable: false });
    expect((missing as ClusterError).message).toContain("namespace ml-missing does not exist");
  });
});
