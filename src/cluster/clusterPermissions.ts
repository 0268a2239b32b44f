import type { DeploymentPods } from "./deploymentPods.js";
import type { KubernetesCluster } from "./kubernetesClient.js";
import { MANAGED_KINDS } from "./managedKinds.js";
import type { WorkloadStatusReader } from "./workloadStatus.js";

/**
 * The Kubernetes permissions deploybot needs in each environment namespace, declared against the
 * cluster layer's calls. The install's per-namespace Role is checked against these tables (see
 * test/packaging). Each table is keyed by the public methods of one class that talks to the API
 * server (KubernetesCluster, DeploymentPods, WorkloadStatusReader), so a method added there does
 * not type-check until its permissions are declared here; test/cluster/clusterPermissions.test.ts
 * records what each method really sends to an API server and checks it against the tables.
 *
 * Everything is namespaced: the bot needs nothing cluster-wide. Discovery (`/api`, `/apis`,
 * `/version`) is allowed to every authenticated user by Kubernetes' default `system:discovery`
 * and `system:public-info-viewer` roles, so it appears nowhere here.
 */

export type Verb = "get" | "list" | "watch" | "create" | "patch" | "update" | "delete" | "deletecollection";

export interface ApiPermission {
  /** API group; "" for the core group. */
  group: string;
  /** Plural resource name, with `/subresource` where one is used (`pods/log`). */
  resource: string;
  verbs: readonly Verb[];
}

/** Public methods of a class: each must say what it needs. */
type PublicMethods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];
export type ClusterMethod = PublicMethods<KubernetesCluster>;
export type DeploymentPodsMethod = PublicMethods<DeploymentPods>;
export type WorkloadStatusMethod = PublicMethods<WorkloadStatusReader>;

/** The resource (plural) of each kind the bot manages; RBAC rules name resources, not kinds. */
const RESOURCE_OF_KIND: Readonly<Record<string, string>> = {
  VirtualService: "virtualservices",
  DestinationRule: "destinationrules",
  HorizontalPodAutoscaler: "horizontalpodautoscalers",
  PodDisruptionBudget: "poddisruptionbudgets",
  Service: "services",
  Deployment: "deployments",
};

export function resourceOfKind(kind: string): string {
  const resource = RESOURCE_OF_KIND[kind];
  if (resource === undefined) throw new Error(`No RBAC resource is declared for ${kind}: add it to RESOURCE_OF_KIND`);
  return resource;
}

function onManagedKinds(verbs: readonly Verb[]): ApiPermission[] {
  return MANAGED_KINDS.map((kind) => ({ group: kind.group, resource: resourceOfKind(kind.kind), verbs }));
}

export const CLUSTER_METHOD_PERMISSIONS: Readonly<Record<ClusterMethod, readonly ApiPermission[]>> = {
  // Server-side apply is a PATCH; when the object does not exist yet the API server also
  // authorizes it as a `create`.
  // Reads each object first (is it the owner's?), then applies it.
  apply: onManagedKinds(["get", "patch", "create"]),
  // Reads each object, then applies it with dryRun=All (authorized like the real apply).
  dryRunApply: onManagedKinds(["get", "patch", "create"]),
  readObject: onManagedKinds(["get"]),
  objectsHoldingNamesOf: onManagedKinds(["get"]),
  // A GET of the environment's own Namespace object is authorized inside that namespace, so a
  // namespaced Role can grant it; the bot never creates namespaces.
  ensureNamespace: [{ group: "", resource: "namespaces", verbs: ["get"] }],
  listManagedObjects: onManagedKinds(["list"]),
  listOwnedObjects: onManagedKinds(["list"]),
  deleteOwnedObjects: onManagedKinds(["list", "delete"]),
  deleteObject: onManagedKinds(["delete"]),
  readDeployment: [{ group: "apps", resource: "deployments", verbs: ["get"] }],
  // A merge patch of the Deployment itself, not of its `scale` subresource.
  scaleDeployment: [{ group: "apps", resource: "deployments", verbs: ["patch"] }],
  // Reads first, then watches; after repeated watch failures it polls with GET.
  watchDeploymentRollout: [{ group: "apps", resource: "deployments", verbs: ["get", "watch"] }],
  ping: [],
  servesApi: [],
};

/** Why a model's pods are not ready, and their logs (src/cluster/deploymentPods.ts). */
export const DEPLOYMENT_PODS_PERMISSIONS: Readonly<Record<DeploymentPodsMethod, readonly ApiPermission[]>> = {
  listPods: [{ group: "", resource: "pods", verbs: ["list"] }],
  podEvents: [{ group: "", resource: "events", verbs: ["list"] }],
  readLog: [{ group: "", resource: "pods/log", verbs: ["get"] }],
  tailLogs: [
    { group: "", resource: "pods", verbs: ["list"] },
    { group: "", resource: "pods/log", verbs: ["get"] },
  ],
  diagnose: [
    { group: "", resource: "pods", verbs: ["list"] },
    { group: "", resource: "events", verbs: ["list"] },
    { group: "", resource: "pods/log", verbs: ["get"] },
  ],
  // Reads the Secrets a model's environment references, to redact their values from log tails
  // shown in Slack. This is the one permission on Secrets: it lets the bot read every Secret in
  // an environment namespace (RBAC cannot narrow it to "referenced by a deployment").
  readSecretValues: [{ group: "", resource: "secrets", verbs: ["get"] }],
};

/** Replica counts and autoscaler state for the list and detail views (src/cluster/workloadStatus.ts). */
export const WORKLOAD_STATUS_PERMISSIONS: Readonly<Record<WorkloadStatusMethod, readonly ApiPermission[]>> = {
  read: [
    { group: "apps", resource: "deployments", verbs: ["list"] },
    { group: "autoscaling", resource: "horizontalpodautoscalers", verbs: ["list"] },
  ],
  readFleet: [
    { group: "apps", resource: "deployments", verbs: ["list"] },
    { group: "autoscaling", resource: "horizontalpodautoscalers", verbs: ["list"] },
  ],
};

/** Every declared permission of every table. */
export function allDeclaredPermissions(): ApiPermission[] {
  return [CLUSTER_METHOD_PERMISSIONS, DEPLOYMENT_PODS_PERMISSIONS, WORKLOAD_STATUS_PERMISSIONS].flatMap((table) => Object.values<readonly ApiPermission[]>(table).flat());
}

const VERB_ORDER: readonly Verb[] = ["get", "list", "watch", "create", "patch", "update", "delete", "deletecollection"];

/**
 * Everything the bot needs in one environment namespace, merged per (group, resource) and sorted,
 * in the shape of RBAC rules: what the install's Role must grant, no more and no less.
 */
export function requiredNamespacePermissions(): ApiPermission[] {
  const merged = new Map<string, { group: string; resource: string; verbs: Set<Verb> }>();
  for (const permission of allDeclaredPermissions()) {
    const key = `${permission.group}/${permission.resource}`;
    const entry = merged.get(key) ?? { group: permission.group, resource: permission.resource, verbs: new Set<Verb>() };
    for (const verb of permission.verbs) entry.verbs.add(verb);
    merged.set(key, entry);
  }
  return [...merged.values()]
    .sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource))
    .map(({ group, resource, verbs }) => ({ group, resource, verbs: VERB_ORDER.filter((verb) => verbs.has(verb)) }));
}
