import { readFileSync } from "node:fs";
import { loadAllYaml } from "@kubernetes/client-node";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { ClusterRole, ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { describe, expect, it } from "vitest";
import { MANAGED_KINDS } from "../../src/cluster/managedKinds.js";

const VALIDATORS: Record<string, (object: unknown) => { validate(): void }> = {
  Namespace: (o) => new Namespace(o as never),
  ServiceAccount: (o) => new ServiceAccount(o as never),
  ClusterRole: (o) => new ClusterRole(o as never),
  ClusterRoleBinding: (o) => new ClusterRoleBinding(o as never),
  ConfigMap: (o) => new ConfigMap(o as never),
  Deployment: (o) => new Deployment(o as never),
  Service: (o) => new Service(o as never),
};

const objects = loadAllYaml(readFileSync(new URL("../../manifests/kubernetes/deploybot.yaml", import.meta.url), "utf8")) as {
  kind: string;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}[];

describe("the bot's own Kubernetes manifests", () => {
  it("are valid against the official schemas", () => {
    expect(objects.map((object) => object.kind)).toEqual(["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Service"]);
    for (const object of objects) {
      const validator = VALIDATORS[object.kind];
      expect(validator, object.kind).toBeDefined();
      expect(() => validator?.(object).validate()).not.toThrow();
    }
  });

  it("grant every verb the bot uses on every kind it manages", () => {
    const role = objects.find((object) => object.kind === "ClusterRole");
    for (const kind of MANAGED_KINDS) {
      const plural = `${kind.kind.toLowerCase()}s`;
      const rule = role?.rules?.find((r) => r.apiGroups.includes(kind.group) && r.resources.includes(plural));
      expect(rule, `${kind.kind}`).toBeDefined();
      for (const verb of ["get", "list", "watch", "create", "patch", "delete"]) expect(rule?.verbs, `${kind.kind} ${verb}`).toContain(verb);
    }
  });
});
