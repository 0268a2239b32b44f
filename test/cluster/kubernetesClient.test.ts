import type { KubernetesObject } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ClusterError } from "../../src/cluster/clusterError.js";
import { ANNOTATION_APPLIED_BY_OPERATION, LABEL_OWNER_DEPLOYMENT_ID, type ApplyOwner } from "../../src/cluster/ownership.js";
import { KubernetesCluster, type KubernetesClusterOptions } from "../../src/cluster/kubernetesClient.js";
import type { RolloutStatus } from "../../src/cluster/rolloutStatus.js";
import { applyConflict, startFakeKubeApiServer, type FakeKubeApiServer, type FakeKubeApiServerOptions } from "../harness/fakeKubeApiServer.js";

const NAMESPACE = "ml-dev";
const FIELD_MANAGER = "deploybot";
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

function labelsOf(name: string): Record<string, string> {
  return { "app.kubernetes.io/instance": name, "app.kubernetes.io/managed-by": "deploybot", "deploybot.io/deployment": name };
}

/** Each test deployment's mark: a fixed id per name, applied by one operation. */
function ownerOf(name: string): ApplyOwner {
  const ids: Record<string, string> = { "resnet-prod": "11111111-1111-4111-8111-111111111111", "bert-staging": "22222222-2222-4222-8222-222222222222" };
  return { deploymentId: ids[name] ?? "33333333-3333-4333-8333-333333333333", deploymentName: name, operationId: "44444444-4444-4444-8444-444444444444" };
}

const OWNER = ownerOf("resnet-prod");

function deploymentManifest(name: string, options: { replicas?: number; image?: string; annotations?: Record<string, string> } = {}) {
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { "deploybot.io/deployment": name } },
    template: {
      metadata: { labels: { ...labelsOf(name), "deploybot.io/deployment": name } },
      spec: { containers: [{ name: "model-server", image: options.image ?? "registry.local/resnet:1.0.0", ports: [{ containerPort: 8080 }] }] },
    },
  };
  if (options.replicas !== undefined) spec.replicas = options.replicas;
  const metadata: Record<string, unknown> = { name, namespace: NAMESPACE, labels: labelsOf(name) };
  if (options.annotations !== undefined) metadata.annotations = options.annotations;
  return { apiVersion: "apps/v1", kind: "Deployment", metadata, spec } as KubernetesObject;
}

function allObjects(name: string): KubernetesObject[] {
  const metadata = { name, namespace: NAMESPACE, labels: labelsOf(name) };
  return [
    deploymentManifest(name, { replicas: 3 }),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata,
      spec: { selector: { "deploybot.io/deployment": name }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    } as KubernetesObject,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata,
      spec: { host: `${name}.${NAMESPACE}.svc.cluster.local`, trafficPolicy: { loadBalancer: { simple: "ROUND_ROBIN" } } },
    } as KubernetesObject,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata,
      spec: { hosts: [name], http: [{ route: [{ destination: { host: name } }] }] },
    } as KubernetesObject,
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
      },
    } as KubernetesObject,
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata,
      spec: { minAvailable: 1, selector: { matchLabels: { "deploybot.io/deployment": name } } },
    } as KubernetesObject,
  ];
}

async function catchClusterError(promise: Promise<unknown>): Promise<ClusterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClusterError);
  return error as ClusterError;
}

let server: FakeKubeApiServer;
let cluster: KubernetesCluster;

async function startServer(options: FakeKubeApiServerOptions = {}, clusterOptions: Partial<KubernetesClusterOptions> = {}) {
  server = await startFakeKubeApiServer(options);
  cluster = new KubernetesCluster(server.kubeConfig(), { fieldManager: FIELD_MANAGER, logger, ...clusterOptions });
}

afterEach(async () => {
  await server.close();
});

describe("KubernetesCluster against the fake API server", () => {
  describe("apply", () => {
    beforeEach(async () => {
      await startServer({ namespaces: [NAMESPACE] });
    });

    it("creates objects with server-side apply, then updates them in place", async () => {
      const applied = await cluster.apply([deploymentManifest("resnet-prod", { replicas: 3 })], { owner: OWNER });
      expect(applied).toHaveLength(1);
      expect(applied[0]?.metadata?.uid).toBeDefined();

      const applyRequest = server.requests.find((r) => r.method === "PATCH");
      expect(applyRequest).toMatchObject({
        path: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/resnet-prod`,
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: FIELD_MANAGER, force: "false" },
      });

      const created = server.get("Deployment", NAMESPACE, "resnet-prod");
      expect(created?.metadata.generation).toBe(1);
      expect(created?.spec).toMatchObject({ replicas: 3 });

      // Same configuration again: nothing changes, not even the resourceVersion.
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 3 })], { owner: OWNER });
      const unchanged = server.get("Deployment", NAMESPACE, "resnet-prod");
      expect(unchanged?.metadata.resourceVersion).toBe(created?.metadata.resourceVersion);

      // Metadata-only change: stored, but the generation stays (no new rollout).
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 3, annotations: { "deploybot.io/note": "x" } })], { owner: OWNER });
      const annotated = server.get("Deployment", NAMESPACE, "resnet-prod");
      expect(annotated?.metadata.annotations).toEqual({ "deploybot.io/note": "x", [ANNOTATION_APPLIED_BY_OPERATION]: OWNER.operationId });
      expect(annotated?.metadata.labels?.[LABEL_OWNER_DEPLOYMENT_ID]).toBe(OWNER.deploymentId);
      expect(annotated?.metadata.generation).toBe(1);

      // Spec change bumps the generation; the annotation dropped from the configuration disappears.
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 3, image: "registry.local/resnet:1.1.0" })], { owner: OWNER });
      const updated = server.get("Deployment", NAMESPACE, "resnet-prod");
      expect(updated?.metadata.generation).toBe(2);
      expect(updated?.metadata.annotations).toEqual({ [ANNOTATION_APPLIED_BY_OPERATION]: OWNER.operationId });
      expect(updated?.metadata.uid).toBe(created?.metadata.uid);
    });

    it("keeps the live replica count when the applied Deployment leaves replicas out", async () => {
      await cluster.apply([deploymentManifest("resnet-prod")], { owner: OWNER });
      expect(server.get("Deployment", NAMESPACE, "resnet-prod")?.spec).toMatchObject({ replicas: 1 });

      const scaled = await cluster.scaleDeployment(NAMESPACE, "resnet-prod", 5);
      expect(scaled.spec?.replicas).toBe(5);
      const patchRequest = server.requests.filter((r) => r.method === "PATCH").at(-1);
      expect(patchRequest?.contentType).toBe("application/merge-patch+json");

      await cluster.apply([deploymentManifest("resnet-prod", { image: "registry.local/resnet:2.0.0" })], { owner: OWNER });
      const live = server.get("Deployment", NAMESPACE, "resnet-prod");
      expect(live?.spec).toMatchObject({ replicas: 5 });
      expect(live?.metadata.generation).toBe(3);
    });

    it("stores nothing on a dry run but returns the defaulted objects", async () => {
      const objects = allObjects("resnet-prod");
      const applied = (await cluster.dryRunApply(objects)).map((result) => result.after);
      expect(applied.map((o) => o.kind)).toEqual(objects.map((o) => o.kind));
      expect(server.objectCount()).toBe(0);
      const dryRunRequests = server.requests.filter((r) => r.method === "PATCH");
      expect(dryRunRequests.every((r) => r.query.dryRun === "All")).toBe(true);
      const service = applied.find((o) => o.kind === "Service") as KubernetesObject & { spec?: { type?: string } };
      expect(service.spec?.type).toBe("ClusterIP");
    });

    it("reports a missing namespace clearly", async () => {
      const error = await catchClusterError(
        cluster.apply([{ ...deploymentManifest("resnet-prod"), metadata: { name: "resnet-prod", namespace: "ml-missing" } }], { owner: OWNER }),
      );
      expect(error.code).toBe(404);
      expect(error.reason).toBe("NotFound");
      expect(error.retryable).toBe(false);
      expect(error.message).toBe("Kubernetes refused Deployment resnet-prod in ml-missing: namespace ml-missing does not exist");
    });

    it("maps validation errors to a non-retryable ClusterError naming the object", async () => {
      const broken = deploymentManifest("resnet-prod");
      (broken as { spec: { selector: unknown } }).spec.selector = { matchLabels: { app: "other" } };
      const error = await catchClusterError(cluster.apply([broken], { owner: OWNER }));
      expect(error).toMatchObject({ code: 422, reason: "Invalid", retryable: false });
      expect(error.message).toMatch(/^Kubernetes refused Deployment resnet-prod in ml-dev: Deployment.apps "resnet-prod" is invalid: /);
      expect(error.message).toContain("`selector` does not match template `labels`");
    });

    it("maps 409 and 500 answers, with retryable only for the server error", async () => {
      server.failNextRequests(1, { status: 409, message: "Operation cannot be fulfilled: the object has been modified" });
      const conflict = await catchClusterError(cluster.apply([deploymentManifest("resnet-prod")], { owner: OWNER }));
      expect(conflict).toMatchObject({ code: 409, reason: "Conflict", retryable: false });
      expect(conflict.message).toBe(
        "Kubernetes refused Deployment resnet-prod in ml-dev: Operation cannot be fulfilled: the object has been modified",
      );

      server.failNextRequests(1, { status: 500, message: "etcdserver: request timed out" });
      const internal = await catchClusterError(cluster.apply([deploymentManifest("resnet-prod")], { owner: OWNER }));
      expect(internal).toMatchObject({ code: 500, reason: "InternalError", retryable: true });
      expect(internal.message).toContain("etcdserver: request timed out");

      server.failNextRequests(1, { status: 429 });
      const throttled = await catchClusterError(cluster.apply([deploymentManifest("resnet-prod")], { owner: OWNER }));
      expect(throttled).toMatchObject({ code: 429, retryable: true });

      // The failures were one-shot: the same apply goes through now.
      await cluster.apply([deploymentManifest("resnet-prod")], { owner: OWNER });
      expect(server.get("Deployment", NAMESPACE, "resnet-prod")).toBeDefined();
    });

    it("stops at the first failing object and names it", async () => {
      const objects = allObjects("resnet-prod");
      server.failNextRequests(1, { status: 403, match: (method, path) => method === "PATCH" && path.includes("/services/") });
      const error = await catchClusterError(cluster.apply(objects, { owner: OWNER }));
      expect(error.message).toMatch(/^Kubernetes refused Service resnet-prod in ml-dev: /);
      expect(server.get("Deployment", NAMESPACE, "resnet-prod")).toBeDefined();
      expect(server.get("VirtualService", NAMESPACE, "resnet-prod")).toBeUndefined();
    });
  });

  describe("namespaces", () => {
    beforeEach(async () => {
      await startServer();
    });

    it("accepts a namespace that exists and never creates one", async () => {
      server.createNamespace("ml-ready");
      await expect(cluster.ensureNamespace("ml-ready")).resolves.toBeUndefined();
      const writes = server.requests.filter((request) => request.method !== "GET");
      expect(writes).toEqual([]);
    });

    it("fails without retrying, naming the namespace and the install, when it is missing", async () => {
      const error = await catchClusterError(cluster.ensureNamespace("ml-missing"));
      expect(error.retryable).toBe(false);
      expect(error.code).toBe(404);
      expect(error.message).toBe(
        "Namespace ml-missing does not exist. deploybot does not create namespaces: the install must create ml-missing and deploybot's Role and RoleBinding in it (see docs/install.md).",
      );
      expect(server.get("Namespace", undefined, "ml-missing")).toBeUndefined();
      expect(server.requests.map((request) => request.method)).toEqual(["GET"]);
    });

    it("says the Role may be missing when RBAC forbids reading the namespace", async () => {
      // With RBAC, a namespace without the bot's Role (or without existence) answers 403.
      server.failNextRequests(1, { status: 403, reason: "Forbidden", match: (method, path) => method === "GET" && path === "/api/v1/namespaces/ml-norole" });
      const error = await catchClusterError(cluster.ensureNamespace("ml-norole"));
      expect(error.retryable).toBe(false);
      expect(error.reason).toBe("Forbidden");
      expect(error.message).toMatch(/^Namespace ml-norole does not exist, or deploybot has no Role in it\. .*docs\/install\.md/);
    });

    it("stays retryable when the API server is the problem", async () => {
      server.failNextRequests(1, { status: 503, match: (method, path) => method === "GET" && path === "/api/v1/namespaces/ml-flaky" });
      const error = await catchClusterError(cluster.ensureNamespace("ml-flaky"));
      expect(error.retryable).toBe(true);
    });
  });

  describe("ownership", () => {
    beforeEach(async () => {
      await startServer({ namespaces: [NAMESPACE] });
    });

    it("refuses an object of the same name that carries no mark, and leaves it as it was", async () => {
      server.put({ apiVersion: "v1", kind: "Service", metadata: { name: "resnet-prod", namespace: NAMESPACE }, spec: { selector: { app: "theirs" }, ports: [{ port: 80 }] } });
      const before = JSON.stringify(server.get("Service", NAMESPACE, "resnet-prod"));
      const error = await catchClusterError(cluster.apply(allObjects("resnet-prod"), { owner: OWNER }));
      expect(error).toMatchObject({ reason: "ForeignObject", retryable: false });
      expect(error.message).toContain("Service resnet-prod");
      expect(error.message).toContain("does not belong to this deployment");
      expect(JSON.stringify(server.get("Service", NAMESPACE, "resnet-prod"))).toBe(before);
      expect(server.requests.some((r) => r.method === "PATCH" && r.path.endsWith("/services/resnet-prod"))).toBe(false);
    });

    it("refuses another deployment's object of that name, even with the same name labels", async () => {
      await cluster.apply([deploymentManifest("resnet-prod")], { owner: ownerOf("resnet-prod") });
      const error = await catchClusterError(cluster.apply([deploymentManifest("resnet-prod")], { owner: { ...OWNER, deploymentId: "55555555-5555-4555-8555-555555555555" } }));
      expect(error.message).toContain("left by another deployment of that name");
    });

    it("skips the ownership read only for objects just listed as the owner's, and still refuses a foreign one", async () => {
      const objects = allObjects("resnet-prod").filter((o) => !o.apiVersion?.startsWith("networking.istio.io"));
      await cluster.apply(objects, { owner: OWNER });
      const owned = await cluster.listOwnedObjects(NAMESPACE, OWNER);
      server.requests.length = 0;
      await cluster.apply(objects, { owner: OWNER, listedOwned: owned });
      expect(server.requests.filter((r) => r.method === "GET")).toEqual([]);
      expect(server.requests.filter((r) => r.method === "PATCH")).toHaveLength(objects.length);

      // A listed object of another deployment is not taken as this one's: it is read, and refused.
      const other = ownerOf("bert-staging");
      server.requests.length = 0;
      const error = await catchClusterError(cluster.apply([deploymentManifest("resnet-prod")], { owner: other, listedOwned: owned }));
      expect(error).toMatchObject({ reason: "ForeignObject" });
      expect(server.requests.some((r) => r.method === "GET" && r.path.endsWith("/deployments/resnet-prod"))).toBe(true);
    });

    it("lists and deletes only marked objects, never a look-alike carrying the name labels", async () => {
      await cluster.apply(allObjects("resnet-prod"), { owner: OWNER });
      server.put({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "resnet-prod-theirs", namespace: NAMESPACE, labels: labelsOf("resnet-prod") }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "x" } } } });
      const owned = await cluster.listOwnedObjects(NAMESPACE, OWNER);
      expect(owned.map((o) => o.metadata?.name)).not.toContain("resnet-prod-theirs");
      await cluster.deleteOwnedObjects(NAMESPACE, OWNER);
      expect(server.get("PodDisruptionBudget", NAMESPACE, "resnet-prod-theirs")).toBeDefined();
      expect(server.get("Service", NAMESPACE, "resnet-prod")).toBeUndefined();
    });

    it("names who else holds the names a new deployment would use", async () => {
      server.put({ apiVersion: "v1", kind: "Service", metadata: { name: "feature-store", namespace: NAMESPACE }, spec: { ports: [{ port: 80 }] } });
      const held = await cluster.objectsHoldingNamesOf(NAMESPACE, "feature-store");
      expect(held.map((o) => `${o.kind} ${o.metadata?.name}`)).toEqual(["Service feature-store"]);
      expect(await cluster.objectsHoldingNamesOf(NAMESPACE, "free-name")).toEqual([]);
    });
  });

  describe("field-manager conflicts", () => {
    beforeEach(async () => {
      await startServer({ namespaces: [NAMESPACE] });
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 2 })], { owner: OWNER });
    });

    it("fails without force when someone else changed a field, naming the manager and the field", async () => {
      server.failNextRequests(1, applyConflict("kubectl-edit", ['.spec.template.spec.containers[name="model-server"].image']));
      const error = await catchClusterError(cluster.apply([deploymentManifest("resnet-prod", { replicas: 2 })], { owner: OWNER }));
      expect(error).toMatchObject({ code: 409, reason: "FieldManagerConflict", retryable: false });
      expect(error.message).toContain('kubectl-edit (.spec.template.spec.containers[name="model-server"].image)');
      const forced = server.requests.filter((r) => r.method === "PATCH" && r.query.force === "true");
      expect(forced).toEqual([]);
    });

    it("takes back with force only the replica count, or fields the bot itself wrote under another operation", async () => {
      server.failNextRequests(1, applyConflict("kube-controller-manager", [".spec.replicas"]));
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 3 })], { owner: OWNER });
      server.failNextRequests(1, applyConflict("deploybot", [".spec.replicas"]));
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 4 })], { owner: OWNER });
      expect(server.get("Deployment", NAMESPACE, "resnet-prod")?.spec).toMatchObject({ replicas: 4 });
      expect(server.requests.filter((r) => r.method === "PATCH" && r.query.force === "true")).toHaveLength(2);
    });

    it("forces everything on a person's Re-apply (takeOver)", async () => {
      server.failNextRequests(1, applyConflict("kubectl-edit", [".spec.template.spec.containers[name=\"model-server\"].image"]));
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 2 })], { owner: OWNER, takeOver: true });
      expect(server.requests.filter((r) => r.method === "PATCH" && r.query.force === "true")).toHaveLength(1);
    });
  });

  describe("listing and deleting by labels", () => {
    it("finds every managed kind carrying the labels, and deletes them all", async () => {
      await startServer({ namespaces: [NAMESPACE] });
      await cluster.apply(allObjects("resnet-prod"), { owner: OWNER });
      await cluster.apply(allObjects("bert-staging"), { owner: ownerOf("bert-staging") });
      server.progressDeployment(NAMESPACE, "resnet-prod", 3);
      expect(server.list("Pod", NAMESPACE)).toHaveLength(3);

      const listed = await cluster.listManagedObjects(NAMESPACE, labelsOf("resnet-prod"));
      expect(listed.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata?.name}`).sort()).toEqual(
        [
          "apps/v1 Deployment resnet-prod",
          "autoscaling/v2 HorizontalPodAutoscaler resnet-prod",
          "networking.istio.io/v1 DestinationRule resnet-prod",
          "networking.istio.io/v1 VirtualService resnet-prod",
          "policy/v1 PodDisruptionBudget resnet-prod",
          "v1 Service resnet-prod",
        ].sort(),
      );

      const deleted = await cluster.deleteOwnedObjects(NAMESPACE, OWNER);
      expect(deleted).toHaveLength(6);
      expect(deleted).toContainEqual({ kind: "Deployment", name: "resnet-prod" });
      expect(await cluster.listManagedObjects(NAMESPACE, labelsOf("resnet-prod"))).toEqual([]);
      expect(server.list("Pod", NAMESPACE)).toEqual([]);

      // The other deployment is untouched.
      expect(await cluster.listManagedObjects(NAMESPACE, labelsOf("bert-staging"))).toHaveLength(6);
      expect(await cluster.deleteOwnedObjects(NAMESPACE, OWNER)).toEqual([]);
    });

    it("skips Istio kinds when the cluster does not serve them, and says so on apply", async () => {
      await startServer({ namespaces: [NAMESPACE], serveIstio: false });
      const withoutIstio = allObjects("resnet-prod").filter((o) => !o.apiVersion?.startsWith("networking.istio.io"));
      await cluster.apply(withoutIstio, { owner: OWNER });
      const listed = await cluster.listManagedObjects(NAMESPACE, labelsOf("resnet-prod"));
      expect(listed).toHaveLength(4);
      expect(server.requests.some((r) => r.path.includes("istio") && r.path.includes("/namespaces/"))).toBe(false);
      expect(await cluster.servesApi("networking.istio.io/v1")).toBe(false);

      const virtualService = allObjects("resnet-prod").find((o) => o.kind === "VirtualService");
      const error = await catchClusterError(cluster.apply(virtualService === undefined ? [] : [virtualService], { owner: OWNER }));
      expect(error).toMatchObject({ code: 404, retryable: false });
      expect(error.message).toMatch(/does not serve networking.istio.io\/v1 VirtualService \(is Istio installed\?\)/);
    });

    it("refuses an empty label set rather than matching the whole namespace", async () => {
      await startServer({ namespaces: [NAMESPACE] });
      await expect(cluster.listManagedObjects(NAMESPACE, {})).rejects.toThrow(/empty label selector/);
    });
  });

  describe("single objects", () => {
    beforeEach(async () => {
      await startServer({ namespaces: [NAMESPACE] });
    });

    it("reads null and deletes false for objects that do not exist, and 404 on scale", async () => {
      expect(await cluster.readDeployment(NAMESPACE, "absent")).toBeNull();
      expect(await cluster.deleteObject("Deployment", NAMESPACE, "absent")).toBe(false);
      const error = await catchClusterError(cluster.scaleDeployment(NAMESPACE, "absent", 2));
      expect(error).toMatchObject({ code: 404, reason: "NotFound", retryable: false });
      expect(error.message).toBe('Kubernetes refused Deployment absent in ml-dev: deployments.apps "absent" not found');
    });

    it("deletes one object and reads deployments as typed objects", async () => {
      await cluster.apply(allObjects("resnet-prod"), { owner: OWNER });
      const deployment = await cluster.readDeployment(NAMESPACE, "resnet-prod");
      expect(deployment?.spec?.replicas).toBe(3);
      expect(await cluster.deleteObject("Service", NAMESPACE, "resnet-prod")).toBe(true);
      expect(server.get("Service", NAMESPACE, "resnet-prod")).toBeUndefined();
      const deleteRequest = server.requests.find((r) => r.method === "DELETE");
      expect(deleteRequest?.query.propagationPolicy).toBe("Background");
    });
  });

  describe("watchDeploymentRollout", () => {
    beforeEach(async () => {
      await startServer({ namespaces: [NAMESPACE] });
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 3 })], { owner: OWNER });
    });

    function progressLog(): { seen: string[]; onProgress: (status: RolloutStatus) => void } {
      const seen: string[] = [];
      return { seen, onProgress: (status) => seen.push(`${status.readyReplicas}/${status.desiredReplicas} ${status.phase}`) };
    }

    it("reports each change of ready replicas once and resolves ready", async () => {
      const { seen, onProgress } = progressLog();
      const outcome = cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 10_000, onProgress });
      await vi.waitFor(() => expect(seen).toEqual(["0/3 progressing"]));
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(1));

      server.progressDeployment(NAMESPACE, "resnet-prod", 0);
      server.progressDeployment(NAMESPACE, "resnet-prod", 1);
      await vi.waitFor(() => expect(seen).toHaveLength(2));
      server.progressDeployment(NAMESPACE, "resnet-prod", 1);
      server.progressDeployment(NAMESPACE, "resnet-prod", 2);
      await vi.waitFor(() => expect(seen).toHaveLength(3));
      server.progressDeployment(NAMESPACE, "resnet-prod", 3);

      await expect(outcome).resolves.toMatchObject({ result: "ready", status: { readyReplicas: 3, desiredReplicas: 3, phase: "ready" } });
      expect(seen).toEqual(["0/3 progressing", "1/3 progressing", "2/3 progressing", "3/3 ready"]);
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(0));
    });

    it("waits for an async onProgress before resolving", async () => {
      const order: string[] = [];
      server.progressDeployment(NAMESPACE, "resnet-prod", 3);
      const outcome = await cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", {
        timeoutMs: 5_000,
        onProgress: async (status) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          order.push(`progress ${status.phase}`);
        },
      });
      order.push(`outcome ${outcome.result}`);
      expect(order).toEqual(["progress ready", "outcome ready"]);
    });

    it("fails when the controller reports ProgressDeadlineExceeded", async () => {
      const outcome = cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 10_000 });
      server.progressDeployment(NAMESPACE, "resnet-prod", 1);
      server.failDeploymentProgress(NAMESPACE, "resnet-prod", 'ReplicaSet "resnet-prod-abc" has timed out progressing.');
      await expect(outcome).resolves.toEqual({
        result: "failed",
        reason: "ProgressDeadlineExceeded",
        status: expect.objectContaining({
          phase: "failed",
          readyReplicas: 1,
          message: 'ReplicaSet "resnet-prod-abc" has timed out progressing.',
        }) as unknown,
      });
    });

    it("fails when the deployment is deleted mid-rollout", async () => {
      const outcome = cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 10_000 });
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(1));
      server.remove("Deployment", NAMESPACE, "resnet-prod");
      await expect(outcome).resolves.toMatchObject({ result: "failed", reason: "DeploymentDeleted" });
    });

    it("fails straight away for a deployment that does not exist", async () => {
      await expect(cluster.watchDeploymentRollout(NAMESPACE, "absent", { timeoutMs: 5_000 })).resolves.toMatchObject({
        result: "failed",
        reason: "DeploymentNotFound",
      });
    });

    it("times out with the last status seen", async () => {
      server.progressDeployment(NAMESPACE, "resnet-prod", 2);
      const outcome = await cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 1_000 });
      expect(outcome).toMatchObject({ result: "timeout", status: { readyReplicas: 2, desiredReplicas: 3, phase: "progressing" } });
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(0));
    });

    it("resumes from the last resourceVersion when the server closes the watch stream", async () => {
      const { seen, onProgress } = progressLog();
      const outcome = cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 10_000, onProgress });
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(1));
      server.progressDeployment(NAMESPACE, "resnet-prod", 1);
      await vi.waitFor(() => expect(seen).toContain("1/3 progressing"));

      expect(server.closeWatches()).toBe(1);
      // Happens while no watch is open: must be replayed from the resumed resourceVersion.
      server.progressDeployment(NAMESPACE, "resnet-prod", 2);
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(1));
      server.progressDeployment(NAMESPACE, "resnet-prod", 3);

      await expect(outcome).resolves.toMatchObject({ result: "ready" });
      expect(seen).toEqual(["0/3 progressing", "1/3 progressing", "2/3 progressing", "3/3 ready"]);
      const watches = server.requests.filter((r) => r.query.watch === "true");
      expect(watches.length).toBeGreaterThanOrEqual(2);
      expect(watches[1]?.query.resourceVersion).toBeDefined();
    });

    it("re-reads the deployment when its resourceVersion has been compacted (410 Gone)", async () => {
      const outcome = cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 10_000 });
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(1));
      server.closeWatches();
      // While no watch is open the rollout completes and history is compacted past the follower's
      // resourceVersion: resuming gets 410 Gone, and only a fresh read can see the final state.
      server.progressDeployment(NAMESPACE, "resnet-prod", 3);
      server.compactWatchHistory();
      await expect(outcome).resolves.toMatchObject({ result: "ready" });
      const afterExpiry = server.requests.slice(server.requests.findLastIndex((r) => r.query.watch === "true"));
      expect(afterExpiry.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET /apis/apps/v1/namespaces/${NAMESPACE}/deployments`,
        `GET /apis/apps/v1/namespaces/${NAMESPACE}/deployments/resnet-prod`,
      ]);
    });

    it("falls back to polling when watching keeps failing", async () => {
      server.failNextRequests(10, { status: 500, match: (method, path) => method === "GET" && path.endsWith("/deployments") });
      const outcome = cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 10_000, pollIntervalMs: 50 });
      await vi.waitFor(() => {
        const failedWatches = server.requests.filter((r) => r.query.watch === "true");
        expect(failedWatches.length).toBeGreaterThanOrEqual(3);
      });
      server.progressDeployment(NAMESPACE, "resnet-prod", 3);
      await expect(outcome).resolves.toMatchObject({ result: "ready" });
      // Three failed watches, then only GETs.
      expect(server.requests.filter((r) => r.query.watch === "true")).toHaveLength(3);
    });

    it("rejects when aborted", async () => {
      const controller = new AbortController();
      const outcome = cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 10_000, signal: controller.signal });
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(1));
      controller.abort(new Error("operation cancelled"));
      await expect(outcome).rejects.toThrow("operation cancelled");
      await vi.waitFor(() => expect(server.openWatchCount()).toBe(0));
    });

    it("becomes ready on its own with autoProgress", async () => {
      server.setAutoProgress({ delayMs: 10 });
      await cluster.apply([deploymentManifest("resnet-prod", { replicas: 2, image: "registry.local/resnet:2.0.0" })], { owner: OWNER });
      await expect(cluster.watchDeploymentRollout(NAMESPACE, "resnet-prod", { timeoutMs: 5_000 })).resolves.toMatchObject({
        result: "ready",
        status: { readyReplicas: 2 },
      });
    });
  });

  describe("ping", () => {
    it("answers while the cluster is up and fails retryably when it is down", async () => {
      await startServer();
      expect(await cluster.ping()).toBe("v1.31.0-fake");

      server.setUnavailable(true);
      const unreachable = await catchClusterError(cluster.ping());
      expect(unreachable).toMatchObject({ code: undefined, retryable: true });
      expect(unreachable.message).toMatch(/^Kubernetes API is unreachable/);

      server.setUnavailable({ mode: "503" });
      const unavailable = await catchClusterError(cluster.ping());
      expect(unavailable).toMatchObject({ code: 503, reason: "ServiceUnavailable", retryable: true });

      server.setUnavailable(false);
      expect(await cluster.ping()).toBe("v1.31.0-fake");
    });

    it("gives up on a hung API server after the request timeout", async () => {
      await startServer({}, { requestTimeoutMs: 100 });
      server.setResponseDelay(1_000);
      const error = await catchClusterError(cluster.ping());
      expect(error).toMatchObject({ code: undefined, reason: "Timeout", retryable: true });
    });

    it("fails with the API server's answer when the credentials are wrong", async () => {
      await startServer({ token: "the-real-token" });
      const kubeConfig = server.kubeConfig();
      const wrong = new KubernetesCluster(
        (() => {
          kubeConfig.users = [{ name: "fake", token: "stolen" }];
          return kubeConfig;
        })(),
        { fieldManager: FIELD_MANAGER, logger },
      );
      const error = await catchClusterError(wrong.ping());
      expect(error).toMatchObject({ code: 401, retryable: false });
    });
  });
});
