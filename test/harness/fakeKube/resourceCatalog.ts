/**
 * The resource types the fake API server serves, and the discovery documents built from them.
 * Discovery must be right because client-node's KubernetesObjectApi resolves every kind through it.
 */

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /**
   * Built-in types omit `apiVersion`/`kind` on list items, custom resources keep them: clients that
   * read `item.kind` off a list of Deployments get `undefined` from a real cluster, so we do too.
   */
  builtIn: boolean;
  subresources: string[];
  /** Field selectors this kind supports beyond metadata.name/namespace. */
  fieldSelectors?: string[];
}

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    singular: "namespace",
    namespaced: false,
    shortNames: ["ns"],
    builtIn: true,
    subresources: ["status"],
  },
  {
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    singular: "service",
    namespaced: true,
    shortNames: ["svc"],
    builtIn: true,
    subresources: ["status"],
  },
  {
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    singular: "pod",
    namespaced: true,
    shortNames: ["po"],
    builtIn: true,
    // `log` is served as text from the logs a test set (FakeKubeApiServer.setPodLogs).
    subresources: ["status", "log"],
  },
  {
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    singular: "event",
    namespaced: true,
    shortNames: ["ev"],
    builtIn: true,
    subresources: [],
    fieldSelectors: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.fieldPath",
      "reason",
      "type",
      "source",
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    singular: "secret",
    namespaced: true,
    shortNames: [],
    builtIn: true,
    subresources: [],
  },
  {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    singular: "deployment",
    namespaced: true,
    shortNames: ["deploy"],
    builtIn: true,
    subresources: ["status", "scale"],
  },
  {
    group: "autoscaling",
    version: "v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    namespaced: true,
    shortNames: ["hpa"],
    builtIn: true,
    subresources: ["status"],
  },
  {
    group: "policy",
    version: "v1",
    kind: "PodDisruptionBudget",
    plural: "poddisruptionbudgets",
    singular: "poddisruptionbudget",
    namespaced: true,
    shortNames: ["pdb"],
    builtIn: true,
    subresources: ["status"],
  },
  {
    group: "networking.istio.io",
    version: "v1",
    kind: "DestinationRule",
    plural: "destinationrules",
    singular: "destinationrule",
    namespaced: true,
    shortNames: ["dr"],
    builtIn: false,
    subresources: ["status"],
  },
  {
    group: "networking.istio.io",
    version: "v1",
    kind: "VirtualService",
    plural: "virtualservices",
    singular: "virtualservice",
    namespaced: true,
    shortNames: ["vs"],
    builtIn: false,
    subresources: ["status"],
  },
];

export const ISTIO_GROUP = "networking.istio.io";

export function groupVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** The resource name the real server uses in messages: `deployments.apps`, but plain `services`. */
export function qualifiedResourceOf(type: ResourceType): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

/** Accepts a Kind (`Deployment`), a plural (`deployments`) or a short name (`deploy`), case-insensitively. */
export function findResourceType(types: readonly ResourceType[], name: string): ResourceType | undefined {
  const wanted = name.toLowerCase();
  return types.find(
    (t) => t.kind.toLowerCase() === wanted || t.plural === wanted || t.singular === wanted || t.shortNames.includes(wanted),
  );
}

export function apiVersionsDocument(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function apiResourceListDocument(types: readonly ResourceType[], groupVersion: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const type of types.filter((t) => groupVersionOf(t) === groupVersion)) {
    resources.push({
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: VERBS,
      shortNames: type.shortNames,
    });
    for (const sub of type.subresources) {
      if (sub === "log") {
        resources.push({ name: `${type.plural}/log`, singularName: "", namespaced: true, kind: type.kind, verbs: ["get"] });
        continue;
      }
      resources.push({
        name: `${type.plural}/${sub}`,
        singularName: "",
        namespaced: type.namespaced,
        group: sub === "scale" ? "autoscaling" : undefined,
        version: sub === "scale" ? "v1" : undefined,
        kind: sub === "scale" ? "Scale" : type.kind,
        verbs: ["get", "patch", "update"],
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}

function groupDocument(types: readonly ResourceType[], group: string): Record<string, unknown> {
  const versions = [...new Set(types.filter((t) => t.group === group).map((t) => t.version))].map((version) => ({
    groupVersion: `${group}/${version}`,
    version,
  }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupDocument(types: readonly ResourceType[], group: string): Record<string, unknown> {
  return { kind: "APIGroup", apiVersion: "v1", ...groupDocument(types, group) };
}

export function apiGroupListDocument(types: readonly ResourceType[]): Record<string, unknown> {
  const groups = [...new Set(types.map((t) => t.group).filter((g) => g !== ""))];
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map((g) => groupDocument(types, g)) };
}
