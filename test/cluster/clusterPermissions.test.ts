import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubernetesObject, V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allDeclaredPermissions,
  CLUSTER_METHOD_PERMISSIONS,
  DEPLOYMENT_PODS_PERMISSIONS,
  requiredNamespacePermissions,
  resourceOfKind,
  WORKLOAD_STATUS_PERMISSIONS,
  type ApiPermission,
  type ClusterMethod,
  type DeploymentPodsMethod,
  type WorkloadStatusMethod,
} from "../../src/cluster/clusterPermissions.js";
import { DeploymentPods } from "../../src/cluster/deploymentPods.js";
import { KubernetesCluster } from "../../src/cluster/kubernetesClient.js";
import { MANAGED_KINDS } from "../../src/cluster/managedKinds.js";
import { WorkloadStatusReader } from "../../src/cluster/workloadStatus.js";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";
import { rbacAttributes } from "./rbacAttributes.js";

/**
 * Runs every public method of the classes that talk to the API server against the fake API server,
 * translates each HTTP request into what RBAC authorizes, and checks that against the permission
 * tables the install's Role is built from: every request must be declared (or the Role would
 * refuse it in a cluster), and every declared permission must be used (or the Role would grant
 * too much).
 */

const NAMESPACE = "ml-dev";
const NAME = "resnet";
const labels = { "app.kubernetes.io/instance": NAME, "app.kubernetes.io/managed-by": "deploybot", "deploybot.io/deployment": NAME };
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

interface Clients {
  cluster: KubernetesCluster;
  pods: DeploymentPods;
  workloads: WorkloadStatusReader;
  server: FakeKubeApiServer;
}
type Scenario = (clients: Clients) => Promise<unknown>;
const REF = { namespace: NAMESPACE, name: NAME };
const OWNER = { deploymentId: "11111111-1111-4111-8111-111111111111", deploymentName: NAME, operationId: "22222222-2222-4222-8222-222222222222" };
const SECRET_NAME = "hf-credentials";

/** One scenario per method; each starts from a namespace holding one object of every managed kind. */
const CLUSTER_SCENARIOS: Record<ClusterMethod, Scenario> = {
  apply: ({ cluster }) => cluster.apply(objectsOfEveryManagedKind(), { owner: OWNER }),
  dryRunApply: ({ cluster }) => cluster.dryRunApply(objectsOfEveryManagedKind()),
  readObject: async ({ cluster }) => {
    for (const object of objectsOfEveryManagedKind()) await cluster.readObject(object);
  },
  ensureNamespace: ({ cluster }) => cluster.ensureNamespace(NAMESPACE),
  listManagedObjects: ({ cluster }) => cluster.listManagedObjects(NAMESPACE, labels),
  listOwnedObjects: ({ cluster }) => cluster.listOwnedObjects(NAMESPACE, OWNER),
  deleteOwnedObjects: ({ cluster }) => cluster.deleteOwnedObjects(NAMESPACE, OWNER),
  objectsHoldingNamesOf: ({ cluster }) => cluster.objectsHoldingNamesOf(NAMESPACE, NAME),
  deleteObject: async ({ cluster }) => {
    for (const kind of MANAGED_KINDS) await cluster.deleteObject(kind.kind, NAMESPACE, NAME);
  },
  readDeployment: ({ cluster }) => cluster.readDeployment(NAMESPACE, NAME),
  scaleDeployment: ({ cluster }) => cluster.scaleDeployment(NAMESPACE, NAME, 2),
  watchDeploymentRollout: async ({ cluster, server }) => {
    const outcome = cluster.watchDeploymentRollout(NAMESPACE, NAME, { timeoutMs: 5000 });
    setTimeout(() => server.progressDeployment(NAMESPACE, NAME, 1), 100);
    return outcome;
  },
  ping: ({ cluster }) => cluster.ping(),
  servesApi: ({ cluster }) => cluster.servesApi("networking.istio.io/v1"),
};

const POD_SCENARIOS: Record<DeploymentPodsMethod, Scenario> = {
  listPods: ({ pods }) => pods.listPods(REF),
  podEvents: ({ pods, server }) => pods.podEvents(NAMESPACE, server.list("Pod", NAMESPACE) as unknown as V1Pod[]),
  readLog: async ({ pods, server }) => pods.readLog(NAMESPACE, server.list("Pod", NAMESPACE)[0]?.metadata.name ?? "", { container: "model-server" }),
  tailLogs: ({ pods }) => pods.tailLogs(REF, { tailLines: 10 }, []),
  diagnose: ({ pods }) => pods.diagnose(REF, []),
  readSecretValues: ({ pods }) => pods.readSecretValues(NAMESPACE, [{ secretName: SECRET_NAME, secretKey: "token" }]),
};

const WORKLOAD_SCENARIOS: Record<WorkloadStatusMethod, Scenario> = {
  read: ({ workloads }) => workloads.read(REF),
  readFleet: ({ workloads }) => workloads.readFleet([NAMESPACE]),
};

const TABLES = [
  { name: "KubernetesCluster", scenarios: CLUSTER_SCENARIOS as Record<string, Scenario>, permissions: CLUSTER_METHOD_PERMISSIONS as Record<string, readonly ApiPermission[]> },
  { name: "DeploymentPods", scenarios: POD_SCENARIOS as Record<string, Scenario>, permissions: DEPLOYMENT_PODS_PERMISSIONS as Record<string, readonly ApiPermission[]> },
  { name: "WorkloadStatusReader", scenarios: WORKLOAD_SCENARIOS as Record<string, Scenario>, permissions: WORKLOAD_STATUS_PERMISSIONS as Record<string, readonly ApiPermission[]> },
];

/** "group/resource verb" triples, the unit RBAC decides on. */
function triples(permissions: readonly ApiPermission[]): string[] {
  const set = new Set(permissions.flatMap((p) => p.verbs.map((verb) => `${p.group}/${p.resource} ${verb}`)));
  return [...set].sort();
}

const DISCOVERY_PATH = /^\/(version|api|apis|api\/v1|apis\/[^/]+|apis\/[^/]+\/[^/]+)\/?$/;

describe("the permission tables against what the cluster layer really sends", () => {
  const logger = pino({ level: "silent" });
  /** Triples each method was seen sending, per table. */
  const observedByTable = new Map<string, Set<string>>();
  let server: FakeKubeApiServer;

  beforeAll(async () => {
    server = await startFakeKubeApiServer({ namespaces: [NAMESPACE] });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Starts every scenario from the same state, set up by a client whose requests are not counted. */
  async function resetState(): Promise<void> {
    const setup = new KubernetesCluster(server.kubeConfig(), { fieldManager: "deploybot", logger });
    await setup.apply(objectsOfEveryManagedKind(), { owner: OWNER });
    server.progressDeployment(NAMESPACE, NAME, 0);
    for (const pod of server.list("Pod", NAMESPACE)) {
      // A crashed container, so diagnose reads the previous run's log.
      server.put({
        ...pod,
        status: {
          ...(pod.status as Record<string, unknown>),
          containerStatuses: [
            {
              name: "model-server",
              ready: false,
              restartCount: 3,
              image: "registry.local/m:1",
              imageID: "",
              state: { waiting: { reason: "CrashLoopBackOff", message: "back-off restarting" } },
              lastState: { terminated: { exitCode: 1, reason: "Error" } },
            },
          ],
        },
      });
      server.setPodLogs(NAMESPACE, pod.metadata.name, "model-server", ["loading model", "out of memory"], { previous: true });
      server.setPodLogs(NAMESPACE, pod.metadata.name, "model-server", ["loading model"]);
    }
    server.put({ apiVersion: "v1", kind: "Secret", metadata: { name: SECRET_NAME, namespace: NAMESPACE }, data: { token: Buffer.from("hf_abc").toString("base64") } });
  }

  for (const table of TABLES) {
    it(`${table.name}: every method the table declares has a scenario`, () => {
      expect(Object.keys(table.scenarios).sort()).toEqual(Object.keys(table.permissions).sort());
    });

    for (const [method, scenario] of Object.entries(table.scenarios)) {
      it(`${table.name}.${method}: sends only requests its declared permissions allow`, async () => {
        await resetState();
        const clients: Clients = {
          cluster: new KubernetesCluster(server.kubeConfig(), { fieldManager: "deploybot", logger, deletionTimeoutMs: 5000 }),
          pods: new DeploymentPods(server.kubeConfig()),
          workloads: new WorkloadStatusReader(server.kubeConfig()),
          server,
        };
        const first = server.requests.length;

        await scenario(clients);

        const observed = new Set<string>();
        for (const attribute of server.requests.slice(first).map(rbacAttributes)) {
          if (attribute.nonResource) {
            expect(attribute.path, `${method} sent a non-resource request`).toMatch(DISCOVERY_PATH);
            continue;
          }
          // Nothing outside the environment's namespace, and nothing cluster-wide.
          expect(attribute.namespace, `${method} ${attribute.resource}`).toBe(NAMESPACE);
          for (const verb of attribute.verbs) observed.add(`${attribute.group}/${attribute.resource} ${verb}`);
        }
        if (table.permissions[method]?.length !== 0) expect(observed.size, `${method} sent no resource request`).toBeGreaterThan(0);
        const declared = triples(table.permissions[method] ?? []);
        expect([...observed].filter((triple) => !declared.includes(triple)), `${method}: undeclared`).toEqual([]);
        const seen = observedByTable.get(table.name) ?? new Set<string>();
        for (const triple of observed) seen.add(triple);
        observedByTable.set(table.name, seen);
      });
    }

    it(`${table.name}: every declared permission was needed by some method`, () => {
      const declared = triples(Object.values(table.permissions).flat());
      expect([...(observedByTable.get(table.name) ?? [])].sort()).toEqual(declared);
    });
  }

  it("covers every file that talks to the API server: a new one needs a permission table here", () => {
    const src = fileURLToPath(new URL("../../src/", import.meta.url));
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts") && !file.startsWith("generated"));
    const clients = files.filter((file) => /new \w+Api\(|new Watch\(|makeApiClient\(/.test(readFileSync(join(src, file), "utf8")));
    expect(clients.sort()).toEqual(["cluster/deploymentPods.ts", "cluster/kubernetesClient.ts", "cluster/workloadStatus.ts"]);
  });

  it("names a resource for every managed kind", () => {
    for (const kind of MANAGED_KINDS) expect(resourceOfKind(kind.kind)).toMatch(/^[a-z]+s$/);
    expect(() => resourceOfKind("CronJob")).toThrow(/RESOURCE_OF_KIND/);
  });

  it("merges everything into the rules one environment namespace needs", () => {
    const required = requiredNamespacePermissions();
    expect(triples(required)).toEqual(triples(allDeclaredPermissions()));
    // One rule per resource, no verb the code never uses.
    expect(new Set(required.map((p) => `${p.group}/${p.resource}`)).size).toBe(required.length);
    const verbs = new Set(required.flatMap((p) => p.verbs));
    expect(verbs.has("update")).toBe(false);
    expect(verbs.has("deletecollection")).toBe(false);
    expect(required.some((p) => p.resource === "deployments/scale" || p.resource === "pods/exec")).toBe(false);
    expect(required.find((p) => p.resource === "namespaces")?.verbs).toEqual(["get"]);
  });
});
