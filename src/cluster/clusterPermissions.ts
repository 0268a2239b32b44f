import type { KubernetesCluster } from "./kubernetesClient.js";
import { MANAGED_KINDS } from "./managedKinds.js";

/**
 * The Kubernetes permissions deploybot needs in each environment namespace, declared against the
 * cluster layer's calls. The install's per-namespace Role is checked against this table (see
 * test/packaging), and the table is keyed by KubernetesCluster's public methods, so a method added
 * there does not type-check until its permissions are declared here; the cluster tests record what
 * each method really sends to an API server and check it against this table.
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

/** Public methods of KubernetesCluster: each must say what it needs. */
export type ClusterMethod = {
  [K in keyof KubernetesCluster]: KubernetesCluster[K] extends (...args: never[]) => unknown ? K : never;
}[keyof KubernetesCluster];

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
  apply: onManagedKinds(["patch", "create"]),
  // A GET of the environment's own Namespace object is authorized inside that namespace, so a
  // namespaced Role can grant it; the bot never creates namespaces.
  ensureNamespace: [{ group: "", resource: "namespaces", verbs: ["get"] }],
  listManagedObjects: onManagedKinds(["list"]),
  deleteManagedObjects: onManagedKinds(["list", "delete"]),
  deleteObject: onManagedKinds(["delete"]),
  readDeployment: [{ group: "apps", resource: "deployments", verbs: ["get"] }],
  // A merge patch of the Deployment itself, not of its `scale` subresource.
  scaleDeployment: [{ group: "apps", resource: "deployments", verbs: ["patch"] }],
  // Reads first, then watches; after repeated watch failures it polls with GET.
  watchDeploymentRollout: [{ group: "apps", resource: "deployments", verbs: ["get", "watch"] }],
  ping: [],
  servesApi: [],
};

/**
 * Reads that explain why a model's pods are not ready: pod status, container logs (`previous`
 * for a crashed run) and events. The monitoring views use them; they are declared apart from the
 * method table because they are reads of objects the bot does not manage.
 */
export const DIAGNOSTIC_READ_PERMISSIONS: readonly ApiPermission[] = [
  { group: "", resource: "pods", verbs: ["get", "list", "watch"] },
  { group: "", resource: "pods/log", verbs: ["get"] },
  { group: "", resource: "events", verbs: ["list", "watch"] },
];

const VERB_ORDER: readonly Verb[] = ["get", "list", "watch", "create", "patch", "update", "delete", "deletecollection"];

/**
 * Everything the bot needs in one environment namespace, merged per (group, resource) and sorted,
 * in the shape of RBAC rules: what the install's Role must grant, no more and no less.
 */
export function requiredNamespacePermissions(): ApiPermission[] {
  const merged = new Map<string, { group: string; resource: string; verbs: Set<Verb> }>();
  const all = [...Object.values(CLUSTER_METHOD_PERMISSIONS).flat(), ...DIAGNOSTIC_READ_PERMISSIONS];
  for (const permission of all) {
    const key = `${permission.group}/${permission.resource}`;
    const entry = merged.get(key) ?? { group: permission.group, resource: permission.resource, verbs: new Set<Verb>() };
    for (const verb of permission.verbs) entry.verbs.add(verb);
    merged.set(key, entry);
  }
  return [...merged.values()]
    .sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource))
    .map(({ group, resource, verbs }) => ({ group, resource, verbs: VERB_ORDER.filter((verb) => verbs.has(verb)) }));
}
