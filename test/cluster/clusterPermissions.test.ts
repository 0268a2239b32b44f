import type { KubernetesObject } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLUSTER_METHOD_PERMISSIONS,
  DIAGNOSTIC_READ_PERMISSIONS,
  requiredNamespacePermissions,
  resourceOfKind,
  type ApiPermission,
  type ClusterMethod,
} from "../../src/cluster/clusterPermissions.js";
import { KubernetesCluster } from "../../src/cluster/kubernetesClient.js";
import { MANAGED_KINDS } from "../../src/cluster/managedKinds.js";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";
import { rbacAttributes } from "./rbacAttributes.js";

/**
 * Runs every public method of KubernetesCluster against the fake API server, translates each HTTP
 * request it sent into what RBAC authorizes, and checks that against the permission table the
 * install's Role is built from: every request must be declared (or the Role would refuse it in a
 * cluster), and every declared permission must be used (or the Role would grant too much).
 */

const NAMESPACE = "ml-dev";
const NAME = "resnet";
const labels = { "app.kubernetes.io/instance": NAME, "app.kubernetes.io/managed-by": "deploybot" };
const selector = { "deploybot.io/deployment": NAME };

/** One object of every managed kind, in apply order (the workload first). */
function objectsOfEveryManagedKind(): KubernetesObject[] {
  const metadata = { name: NAME, namespace: NAMESPACE, labels };
  const byKind: Record<string, KubernetesObject> = {
    Deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: { metadata: { labels: { ...labels, ...selector } }, spec: { containers: [{ name: "model-server", image: "registry.local/m:1" }] } },
      },
    } as KubernetesObject,
    Service: { apiVersion: "v1", kind: "Service", metadata, spec: { selector, ports: [{ port: 80, targetPort: 8080 }] } } as KubernetesObject,
    PodDisruptionBudget: { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata, spec: { minAvailable: 1, selector: { matchLabels: selector } } } as KubernetesObject,
    HorizontalPodAutoscaler: {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata,
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: NAME }, minReplicas: 1, maxReplicas: 2 },
    } as KubernetesObject,
    DestinationRule: { apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata, spec: { host: NAME } } as KubernetesObject,
    VirtualService: {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata,
      spec: { hosts: [NAME], http: [{ route: [{ destination: { host: NAME } }] }] },
    } as KubernetesObject,
  };
  return [...MANAGED_KINDS].reverse().map((kind) => {
    const object = byKind[kind.kind];
    if (object === undefined) throw new Error(`The scenario has no ${kind.kind}: add one`);
    return object;
  });
}

type Scenario = (cluster: KubernetesCluster, server: FakeKubeApiServer) => Promise<unknown>;

/** One scenario per method; each starts from a namespace holding one object of every managed kind. */
const SCENARIOS: Record<ClusterMethod, Scenario> = {
  apply: (cluster) => cluster.apply(objectsOfEveryManagedKind()),
  ensureNamespace: (cluster) => cluster.ensureNamespace(NAMESPACE),
  listManagedObjects: (cluster) => cluster.listManagedObjects(NAMESPACE, labels),
  deleteManagedObjects: (cluster) => cluster.deleteManagedObjects(NAMESPACE, labels),
  deleteObject: async (cluster) => {
    for (const kind of MANAGED_KINDS) await cluster.deleteObject(kind.kind, NAMESPACE, NAME);
  },
  readDeployment: (cluster) => cluster.readDeployment(NAMESPACE, NAME),
  scaleDeployment: (cluster) => cluster.scaleDeployment(NAMESPACE, NAME, 2),
  watchDeploymentRollout: async (cluster, server) => {
    const outcome = cluster.watchDeploymentRollout(NAMESPACE, NAME, { timeoutMs: 5000 });
    setTimeout(() => server.progressDeployment(NAMESPACE, NAME, 1), 100);
    return outcome;
  },
  ping: (cluster) => cluster.ping(),
  servesApi: (cluster) => cluster.servesApi("networking.istio.io/v1"),
};

/** "group/resource verb" triples, the unit RBAC decides on. */
function triples(permissions: readonly ApiPermission[]): string[] {
  const set = new Set(permissions.flatMap((p) => p.verbs.map((verb) => `${p.group}/${p.resource} ${verb}`)));
  return [...set].sort();
}

const DISCOVERY_PATH = /^\/(version|api|apis|api\/v1|apis\/[^/]+|apis\/[^/]+\/[^/]+)\/?$/;

describe("the permission table against what the cluster layer really sends", () => {
  let server: FakeKubeApiServer;
  const logger = pino({ level: "silent" });

  beforeAll(async () => {
    server = await startFakeKubeApiServer({ namespaces: [NAMESPACE] });
  });
  afterAll(async () => {
    await server.close();
  });

  it("covers every method the table declares with a scenario", () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(Object.keys(CLUSTER_METHOD_PERMISSIONS).sort());
  });

  for (const method of Object.keys(SCENARIOS) as ClusterMethod[]) {
    it(`${method}: sends only requests its declared permissions allow, and needs all of them`, async () => {
      const cluster = new KubernetesCluster(server.kubeConfig(), { fieldManager: "deploybot", logger, deletionTimeoutMs: 5000 });
      // Start every scenario from the same state, set up with a separate client so its requests
      // are not counted.
      const setup = new KubernetesCluster(server.kubeConfig(), { fieldManager: "deploybot", logger });
      await setup.apply(objectsOfEveryManagedKind());
      server.progressDeployment(NAMESPACE, NAME, 0);
      const first = server.requests.length;

      await SCENARIOS[method](cluster, server);

      const attributes = server.requests.slice(first).map(rbacAttributes);
      const observed = new Set<string>();
      for (const attribute of attributes) {
        if (attribute.nonResource) {
          expect(attribute.path, `${method} sent a non-resource request`).toMatch(DISCOVERY_PATH);
          continue;
        }
        // Nothing outside the environment's namespace, and nothing cluster-wide.
        expect(attribute.namespace, `${method} ${attribute.resource}`).toBe(NAMESPACE);
        for (const verb of attribute.verbs) observed.add(`${attribute.group}/${attribute.resource} ${verb}`);
      }
      expect([...observed].sort()).toEqual(triples(CLUSTER_METHOD_PERMISSIONS[method]));
    });
  }

  it("names a resource for every managed kind", () => {
    for (const kind of MANAGED_KINDS) expect(resourceOfKind(kind.kind)).toMatch(/^[a-z]+s$/);
    expect(() => resourceOfKind("CronJob")).toThrow(/RESOURCE_OF_KIND/);
  });

  it("merges everything into the rules one environment namespace needs", () => {
    const required = requiredNamespacePermissions();
    expect(triples(required)).toEqual(triples([...Object.values(CLUSTER_METHOD_PERMISSIONS).flat(), ...DIAGNOSTIC_READ_PERMISSIONS]));
    // One rule per resource, no verb the code never uses.
    expect(new Set(required.map((p) => `${p.group}/${p.resource}`)).size).toBe(required.length);
    const verbs = new Set(required.flatMap((p) => p.verbs));
    expect(verbs.has("update")).toBe(false);
    expect(verbs.has("deletecollection")).toBe(false);
    expect(required.some((p) => p.resource === "deployments/scale" || p.resource === "pods/exec")).toBe(false);
    expect(required.find((p) => p.resource === "namespaces")?.verbs).toEqual(["get"]);
  });
});
