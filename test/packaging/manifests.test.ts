import { readFileSync } from "node:fs";
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1Role,
  V1RoleBinding,
  V1Service,
} from "@kubernetes/client-node";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { requiredNamespacePermissions, type ApiPermission } from "../../src/cluster/clusterPermissions.js";
import { parseKubeContexts } from "../../src/cluster/kubeContexts.js";
import { loadConfig, type Config } from "../../src/config.js";
import { connectionBudget } from "../../src/store/database.js";
import { ENVIRONMENTS } from "../../src/domain/deploymentSpec.js";
import { restrictedProfileProblems } from "../cluster/render/podSecurity.js";
import { unknownFields, wire } from "../cluster/render/fixtures.js";
import { find, kustomizeBuild, ofKind } from "./kustomize.js";

/** Every kind the install may contain, with its official schema. */
const VALIDATORS: Record<string, (object: unknown) => { validate(): void }> = {
  Namespace: (o) => new Namespace(o as never),
  ServiceAccount: (o) => new ServiceAccount(o as never),
  Secret: (o) => new Secret(o as never),
  Role: (o) => new Role(o as never),
  RoleBinding: (o) => new RoleBinding(o as never),
  ConfigMap: (o) => new ConfigMap(o as never),
  Deployment: (o) => new Deployment(o as never),
  Service: (o) => new Service(o as never),
  PodDisruptionBudget: (o) => new PodDisruptionBudget(o as never),
  NetworkPolicy: (o) => new NetworkPolicy(o as never),
  Job: (o) => new Job(o as never),
};

const BUILDS = {
  base: kustomizeBuild("base"),
  production: kustomizeBuild("overlays/production"),
  splitBotCluster: kustomizeBuild("overlays/split-clusters/bot-cluster"),
  splitProductionCluster: kustomizeBuild("overlays/split-clusters/production-cluster"),
};
/** Builds that run the bot (the production cluster of a split install does not). */
const BOT_BUILDS = { base: BUILDS.base, production: BUILDS.production, splitBotCluster: BUILDS.splitBotCluster };

const BOT_NAMESPACE = "deploybot";
const SECRET_KEYS = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DEPLOYBOT_ALERTMANAGER_TOKEN", "DATABASE_URL", "REDIS_URL"];

/** The numeric user the image runs as, from the Dockerfile's last USER line. */
function dockerfileUser(): { uid: number; gid: number } {
  const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
  const users = [...dockerfile.matchAll(/^USER\s+(\d+):(\d+)\s*$/gm)];
  const last = users.at(-1);
  if (last === undefined) throw new Error("The Dockerfile has no numeric USER uid:gid");
  return { uid: Number(last[1]), gid: Number(last[2]) };
}

function triples(rules: readonly ApiPermission[]): string[] {
  return [...new Set(rules.flatMap((rule) => rule.verbs.map((verb) => `${rule.group}/${rule.resource} ${verb}`)))].sort();
}

function roleTriples(role: V1Role): string[] {
  return triples(
    (role.rules ?? []).flatMap((rule) =>
      (rule.apiGroups ?? []).flatMap((group) => (rule.resources ?? []).map((resource) => ({ group, resource, verbs: rule.verbs as ApiPermission["verbs"] }))),
    ),
  );
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

function botPod(objects: readonly KubernetesObject[]): V1PodSpec {
  const pod = find<V1Deployment>(objects, "Deployment", "deploybot", BOT_NAMESPACE).spec?.template.spec;
  if (pod === undefined) throw new Error("no pod spec");
  return pod;
}

describe.each(Object.entries(BUILDS))("the %s build", (_name, objects) => {
  it("is valid against the official schemas, without misspelt fields", () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const where = `${object.kind}/${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
      const validator = VALIDATORS[object.kind ?? ""];
      expect(validator, `${where}: a kind the test has no schema for`).toBeDefined();
      expect(() => validator?.(wire(object)).validate(), where).not.toThrow();
      expect(unknownFields(object), where).toEqual([]);
    }
  });

  it("grants nothing cluster-wide and carries no secret values", () => {
    expect(objects.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding")).toEqual([]);
    for (const secret of ofKind<KubernetesObject & { data?: unknown; stringData?: unknown; type?: string }>(objects, "Secret")) {
      // Only a ServiceAccount token Secret, which Kubernetes fills in itself.
      expect(secret.type).toBe("kubernetes.io/service-account-token");
      expect(secret.data ?? secret.stringData).toBeUndefined();
    }
  });

  it("gives every environment namespace exactly the Role the code's calls need, bound to the bot only", () => {
    const environmentNamespaces = ofKind<V1Namespace>(objects, "Namespace").filter((ns) => ns.metadata?.labels?.["deploybot.io/environment"] !== undefined);
    expect(environmentNamespaces.length).toBeGreaterThan(0);
    const expected = triples(requiredNamespacePermissions());
    const roles = ofKind<V1Role>(objects, "Role");
    expect(roles.map((r) => r.metadata?.namespace).sort()).toEqual(environmentNamespaces.map((ns) => ns.metadata?.name).sort());

    for (const namespace of environmentNamespaces) {
      const name = namespace.metadata?.name ?? "";
      expect(namespace.metadata?.labels?.["pod-security.kubernetes.io/enforce"], name).toBe("restricted");
      const role = find<V1Role>(objects, "Role", "deploybot", name);
      expect(roleTriples(role), name).toEqual(expected);
      for (const rule of role.rules ?? []) {
        expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs], `${name}: no wildcards`).not.toContain("*");
        // Reading the namespace is allowed for this namespace's own object only.
        if (rule.resources?.includes("namespaces")) expect(rule.resourceNames, name).toEqual([name]);
        else expect(rule.resourceNames, name).toBeUndefined();
      }
      const binding = find<V1RoleBinding>(objects, "RoleBinding", "deploybot", name);
      expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deploybot" });
      expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "deploybot", namespace: BOT_NAMESPACE }]);
    }
    expect(ofKind(objects, "RoleBinding")).toHaveLength(environmentNamespaces.length);
  });
});

describe.each(Object.entries(BOT_BUILDS))("the bot in the %s build", (_name, objects) => {
  const configMap = find<V1ConfigMap>(objects, "ConfigMap", "deploybot-config", BOT_NAMESPACE);
  const deployment = find<V1Deployment>(objects, "Deployment", "deploybot", BOT_NAMESPACE);
  const pod = botPod(objects);
  const container = pod.containers[0];
  const podLabels = deployment.spec?.template.metadata?.labels;

  it("runs as the image's numeric user, restricted, with a read-only root and /tmp on an emptyDir", () => {
    const { uid, gid } = dockerfileUser();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
    // The bot is the one pod that needs its ServiceAccount token: it talks to the API server.
    expect(restrictedProfileProblems(pod).filter((p) => p !== "service-account token mounted")).toEqual([]);
    expect(pod.serviceAccountName).toBe("deploybot");
    const tmp = container?.volumeMounts?.find((mount) => mount.mountPath === "/tmp");
    expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it("has probes on the health routes, resources, and the image from the kustomization", () => {
    expect(container?.livenessProbe?.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(container?.readinessProbe?.httpGet).toMatchObject({ path: "/readyz", port: "http" });
    expect(container?.ports).toEqual([{ name: "http", containerPort: 3000, protocol: "TCP" }]);
    expect(container?.resources?.requests?.cpu).toBeDefined();
    expect(container?.resources?.requests?.memory).toBeDefined();
    expect(container?.resources?.limits?.memory).toBeDefined();
    expect(container?.image).toMatch(/^ghcr\.io\/deploybot\/deploybot:\d+\.\d+\.\d+$/);
  });

  it("takes its secrets from deploybot-secrets by reference and its settings from the ConfigMap", () => {
    const secretRefs = (container?.env ?? []).filter((variable) => variable.valueFrom?.secretKeyRef !== undefined);
    expect(secretRefs.map((variable) => variable.name).sort()).toEqual([...SECRET_KEYS].sort());
    for (const variable of secretRefs) {
      expect(variable.valueFrom?.secretKeyRef).toMatchObject({ name: "deploybot-secrets", key: variable.name });
    }
    expect(container?.envFrom).toEqual([{ configMapRef: { name: "deploybot-config" } }]);
    // Secret values never sit in the ConfigMap.
    for (const key of SECRET_KEYS) expect(configMap.data?.[key]).toBeUndefined();
  });

  it("has a ConfigMap the bot's configuration accepts, naming the namespaces the Roles are in", () => {
    const env = { ...configMap.data, SLACK_BOT_TOKEN: "xoxb-x", SLACK_SIGNING_SECRET: "signing-secret", DATABASE_URL: "postgresql://db/deploybot", REDIS_URL: "redis://redis:6379" };
    const config = loadConfig(env);
    const contexts = parseKubeContexts(env);
    const roles = ofKind<V1Role>(objects, "Role").map((role) => role.metadata?.namespace);
    for (const environment of ENVIRONMENTS) {
      // An environment on another cluster (a context of its own) has its Role installed there.
      if (contexts[environment] === undefined) expect(roles, environment).toContain(config.namespaces[environment]);
      else expect(roles, environment).not.toContain(config.namespaces[environment]);
    }
  });

  it("keeps one replica through voluntary disruptions, and its Service selects only the bot", () => {
    const pdb = find<V1PodDisruptionBudget>(objects, "PodDisruptionBudget", "deploybot", BOT_NAMESPACE);
    expect(pdb.spec?.minAvailable).toBe(1);
    expect(matches(pdb.spec?.selector?.matchLabels, podLabels)).toBe(true);
    expect(deployment.spec?.replicas).toBeGreaterThanOrEqual(2);
    const service = find<V1Service>(objects, "Service", "deploybot", BOT_NAMESPACE);
    expect(matches(service.spec?.selector, podLabels)).toBe(true);
    const migrationLabels = find<V1Job>(objects, "Job", "deploybot-migrate", BOT_NAMESPACE).spec?.template.metadata?.labels;
    expect(matches(service.spec?.selector, migrationLabels)).toBe(false);
    expect(matches(pdb.spec?.selector?.matchLabels, migrationLabels)).toBe(false);
  });

  it("allows ingress only to the HTTP port and egress only to DNS, PostgreSQL, Redis, the API server, HTTPS and Prometheus", () => {
    const policies = ofKind<V1NetworkPolicy>(objects, "NetworkPolicy");
    const denyAll = policies.find((p) => p.metadata?.name === "default-deny");
    expect(denyAll?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const bot = policies.filter((p) => matches(p.spec?.podSelector?.matchLabels, podLabels) && p.metadata?.name !== "default-deny");
    expect(bot).toHaveLength(1);
    const policy = bot[0]?.spec;
    expect(policy?.ingress?.flatMap((rule) => rule.ports ?? [])).toEqual([{ port: "http", protocol: "TCP" }]);
    const egressPorts = new Set(policy?.egress?.flatMap((rule) => (rule.ports ?? []).map((p) => `${p.port}/${p.protocol}`)));
    expect([...egressPorts].sort()).toEqual(["443/TCP", "5432/TCP", "53/TCP", "53/UDP", "6379/TCP", "6443/TCP", "9090/TCP"].sort());
    // Every egress rule names its ports: none opens everything.
    for (const rule of policy?.egress ?? []) expect(rule.ports?.length).toBeGreaterThan(0);
  });

  it("migrates with its own credentials, in a Job that cannot reach the API server", () => {
    const job = find<V1Job>(objects, "Job", "deploybot-migrate", BOT_NAMESPACE);
    const jobPod = job.spec?.template.spec;
    const migrate = jobPod?.containers[0];
    expect(migrate?.image).toMatch(/^ghcr\.io\/deploybot\/deploybot-migrate:\d+\.\d+\.\d+$/);
    expect(migrate?.env?.find((variable) => variable.name === "DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({ name: "deploybot-migrator", key: "DATABASE_URL" });
    expect(JSON.stringify(jobPod)).not.toContain("deploybot-secrets");
    expect(restrictedProfileProblems(jobPod)).toEqual([]);
    expect(jobPod?.restartPolicy).toBe("Never");
    const policy = ofKind<V1NetworkPolicy>(objects, "NetworkPolicy").find((p) => matches(p.spec?.podSelector?.matchLabels, job.spec?.template.metadata?.labels) && p.metadata?.name !== "default-deny");
    expect(policy?.spec?.ingress).toBeUndefined();
    expect(policy?.spec?.egress?.flatMap((rule) => (rule.ports ?? []).map((p) => `${p.port}/${p.protocol}`)).sort()).toEqual(["53/TCP", "53/UDP", "5432/TCP"].sort());
  });
});

/** PostgreSQL's default `max_connections` (100) less the 3 it keeps for superusers. */
const DEFAULT_CONNECTION_ROOM = 97;

/** The configuration a bot container starts with: its ConfigMap, its literal env, placeholders for the secrets. */
function containerConfig(objects: readonly KubernetesObject[], deployment: V1Deployment): Config {
  const container = deployment.spec?.template.spec?.containers[0];
  const fromConfigMaps = (container?.envFrom ?? []).map((source) => find<V1ConfigMap>(objects, "ConfigMap", source.configMapRef?.name ?? "", BOT_NAMESPACE).data ?? {});
  const literal = Object.fromEntries((container?.env ?? []).flatMap((variable) => (variable.value === undefined ? [] : [[variable.name, variable.value]])));
  return loadConfig({ ...Object.assign({}, ...fromConfigMaps), ...literal, SLACK_BOT_TOKEN: "xoxb-x", SLACK_SIGNING_SECRET: "signing-secret", DATABASE_URL: "postgresql://db/d", REDIS_URL: "redis://r:6379" });
}

describe.each(Object.entries(BOT_BUILDS))("the %s build's PostgreSQL connections", (_name, objects) => {
  it("fit the server's default limit with every replica at its budget, and every job has a connection", () => {
    let total = 0;
    for (const deployment of ofKind<V1Deployment>(objects, "Deployment").filter((d) => d.metadata?.namespace === BOT_NAMESPACE)) {
      const config = containerConfig(objects, deployment);
      const budget = connectionBudget(config);
      if (config.role !== "web") expect(budget.shared, deployment.metadata?.name).toBeGreaterThanOrEqual(config.workerConcurrency);
      total += (deployment.spec?.replicas ?? 1) * (budget.shared + budget.reserved);
    }
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(DEFAULT_CONNECTION_ROOM);
  });
});

describe("the production build's web and worker Deployments (components/split-roles)", () => {
  const objects = BUILDS.production;
  const web = find<V1Deployment>(objects, "Deployment", "deploybot", BOT_NAMESPACE);
  const worker = find<V1Deployment>(objects, "Deployment", "deploybot-worker", BOT_NAMESPACE);
  const workerPod = worker.spec?.template.spec;
  const workerLabels = worker.spec?.template.metadata?.labels;
  const roleOf = (deployment: V1Deployment) => deployment.spec?.template.spec?.containers[0]?.env?.find((variable) => variable.name === "DEPLOYBOT_ROLE")?.value;

  it("runs the Slack side as `web` and the jobs as `worker`, two of each at least", () => {
    expect(roleOf(web)).toBe("web");
    expect(roleOf(worker)).toBe("worker");
    expect(worker.spec?.replicas).toBeGreaterThanOrEqual(2);
    expect(loadConfig({ SLACK_BOT_TOKEN: "xoxb-x", SLACK_SIGNING_SECRET: "signing-secret", DATABASE_URL: "postgresql://db/d", REDIS_URL: "redis://r:6379", DEPLOYBOT_ROLE: roleOf(worker) }).role).toBe("worker");
  });

  it("gives the workers the web pod but for role, labels, resources, the web's connection cap and the two Slack-side secrets", () => {
    const comparable = (deployment: V1Deployment) => {
      const pod = structuredClone(deployment.spec?.template.spec);
      for (const container of pod?.containers ?? []) {
        container.env = container.env?.filter((variable) => !["DEPLOYBOT_ROLE", "SLACK_APP_TOKEN", "DEPLOYBOT_ALERTMANAGER_TOKEN", "DATABASE_MAX_CONNECTIONS"].includes(variable.name));
        delete container.resources;
      }
      for (const constraint of pod?.topologySpreadConstraints ?? []) delete constraint.labelSelector;
      return pod;
    };
    expect(comparable(worker)).toEqual(comparable(web));
    const secretNames = (workerPod?.containers[0]?.env ?? []).filter((variable) => variable.valueFrom?.secretKeyRef).map((variable) => variable.name);
    expect(secretNames.sort()).toEqual(["DATABASE_URL", "REDIS_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]);
    expect(restrictedProfileProblems(workerPod).filter((p) => p !== "service-account token mounted")).toEqual([]);
    expect(workerPod?.containers[0]?.resources?.requests?.cpu).toBe("1");
  });

  it("keeps the workers out of the Service, with a disruption budget and a network policy of their own", () => {
    const service = find<V1Service>(objects, "Service", "deploybot", BOT_NAMESPACE);
    expect(matches(service.spec?.selector, workerLabels)).toBe(false);
    const pdb = find<V1PodDisruptionBudget>(objects, "PodDisruptionBudget", "deploybot-worker", BOT_NAMESPACE);
    expect(pdb.spec?.minAvailable).toBe(1);
    expect(matches(pdb.spec?.selector?.matchLabels, workerLabels)).toBe(true);
    expect(matches(find<V1PodDisruptionBudget>(objects, "PodDisruptionBudget", "deploybot", BOT_NAMESPACE).spec?.selector?.matchLabels, workerLabels)).toBe(false);
    const policies = ofKind<V1NetworkPolicy>(objects, "NetworkPolicy").filter((p) => matches(p.spec?.podSelector?.matchLabels, workerLabels) && p.metadata?.name !== "default-deny");
    expect(policies.map((p) => p.metadata?.name)).toEqual(["deploybot-worker"]);
    // The same narrowed egress as the web pods: the overlay's patch reaches both policies.
    expect(policies[0]?.spec?.egress).toEqual(find<V1NetworkPolicy>(objects, "NetworkPolicy", "deploybot", BOT_NAMESPACE).spec?.egress);
    expect(policies[0]?.spec?.ingress?.flatMap((rule) => rule.ports ?? [])).toEqual([{ port: "http", protocol: "TCP" }]);
  });
});

describe("the overlays", () => {
  it("production: three replicas, more room, Istio, and egress narrowed to known addresses", () => {
    const objects = BUILDS.production;
    expect(find<V1Deployment>(objects, "Deployment", "deploybot").spec?.replicas).toBe(3);
    expect(botPod(objects).containers[0]?.resources?.limits?.memory).toBe("1Gi");
    expect(find<V1ConfigMap>(objects, "ConfigMap", "deploybot-config").data?.DEPLOYBOT_TRAFFIC_PROVIDER).toBe("istio");
    const egress = find<V1NetworkPolicy>(objects, "NetworkPolicy", "deploybot").spec?.egress ?? [];
    const database = egress.find((rule) => rule.ports?.some((p) => p.port === 5432));
    expect(database?.to?.[0]?.ipBlock?.cidr).toBe("10.20.0.0/24");
    expect(egress.find((rule) => rule.ports?.some((p) => p.port === 6443))?.to?.[0]?.ipBlock).toBeDefined();
  });

  it("split clusters: the bot's cluster hosts development and staging, production is reached through its own context", () => {
    const botCluster = BUILDS.splitBotCluster;
    expect(ofKind<V1Role>(botCluster, "Role").map((role) => role.metadata?.namespace).sort()).toEqual(["ml-development", "ml-staging"]);
    const pod = botPod(botCluster);
    const kubeconfigPath = pod.containers[0]?.env?.find((variable) => variable.name === "KUBECONFIG")?.value ?? "";
    const mount = pod.containers[0]?.volumeMounts?.find((m) => kubeconfigPath.startsWith(`${m.mountPath}/`));
    expect(pod.volumes?.find((volume) => volume.name === mount?.name)?.secret?.secretName).toBe("deploybot-kubeconfig");
    expect(parseKubeContexts(find<V1ConfigMap>(botCluster, "ConfigMap", "deploybot-config").data ?? {}).production).toBe("production");

    const productionCluster = BUILDS.splitProductionCluster;
    expect(ofKind(productionCluster, "Deployment")).toEqual([]);
    expect(ofKind<V1Role>(productionCluster, "Role").map((role) => role.metadata?.namespace)).toEqual(["ml-production"]);
    expect(find<KubernetesObject & { automountServiceAccountToken?: boolean }>(productionCluster, "ServiceAccount", "deploybot", BOT_NAMESPACE).automountServiceAccountToken).toBe(false);
  });
});
