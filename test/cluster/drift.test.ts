import type { KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { describeDriftedField, findDrift } from "../../src/cluster/drift.js";

function deployment(options: { replicas?: number; env?: { name: string; value: string }[]; memory?: string; managedFields?: unknown[]; extra?: Record<string, unknown> } = {}): KubernetesObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "resnet-blue", namespace: "ml-dev", labels: { app: "resnet" }, ...(options.managedFields ? { managedFields: options.managedFields as never } : {}) },
    spec: {
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
      template: {
        spec: {
          containers: [{ name: "model-server", image: "ms:1", env: options.env ?? [{ name: "LOG_LEVEL", value: "info" }], resources: { limits: { memory: options.memory ?? "4Gi" } }, ...options.extra }],
        },
      },
    },
  } as KubernetesObject;
}

const editEntry = (fieldsV1: object, time = "2026-12-01T10:00:00Z") => ({ manager: "kubectl-edit", operation: "Update", apiVersion: "apps/v1", time, fieldsType: "FieldsV1", fieldsV1 });
const botEntry = { manager: "deploybot", operation: "Apply", apiVersion: "apps/v1", time: "2026-12-01T09:00:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } };

describe("drift between the rendered and the live objects", () => {
  it("ignores server defaults, added annotations and status: only rendered fields count", () => {
    const live = deployment({ replicas: 2, extra: { terminationMessagePath: "/dev/termination-log", imagePullPolicy: "IfNotPresent" } });
    (live.metadata as Record<string, unknown>).annotations = { "deployment.kubernetes.io/revision": "3" };
    (live as Record<string, unknown>).status = { readyReplicas: 2 };
    expect(findDrift([deployment({ replicas: 2 })], [live])).toEqual({ fields: [], missing: [] });
  });

  it("names a changed field with its rendered and live values and the manager that changed it", () => {
    const live = deployment({ replicas: 5, managedFields: [botEntry, editEntry({ "f:spec": { "f:replicas": {} } })] });
    const report = findDrift([deployment({ replicas: 2 })], [live]);
    expect(report.fields).toEqual([
      { kind: "Deployment", object: "resnet-blue", path: "spec.replicas", rendered: 2, live: 5, manager: "kubectl-edit", operation: "Update", time: "2026-12-01T10:00:00Z" },
    ]);
  });

  it("does not compare replicas the renderer leaves to an HPA", () => {
    const live = deployment({ replicas: 7, managedFields: [{ ...editEntry({ "f:spec": { "f:replicas": {} } }), manager: "kube-controller-manager", subresource: "scale" }] });
    expect(findDrift([deployment()], [live]).fields).toEqual([]);
  });

  it("compares named lists by name: a changed and an added environment variable, masked for display", () => {
    const env = { "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"model-server"}': { "f:env": { 'k:{"name":"LOG_LEVEL"}': { "f:value": {} }, 'k:{"name":"DEBUG"}': { ".": {}, "f:name": {}, "f:value": {} } } } } } } } };
    const live = deployment({ env: [{ name: "DEBUG", value: "1" }, { name: "LOG_LEVEL", value: "debug" }], managedFields: [editEntry(env)] });
    const report = findDrift([deployment()], [live]);
    expect(report.fields.map((f) => [f.path, f.rendered, f.live, f.manager])).toEqual([
      ["spec.template.spec.containers[model-server].env[LOG_LEVEL].value", "info", "debug", "kubectl-edit"],
      ["spec.template.spec.containers[model-server].env[DEBUG]", undefined, { name: "DEBUG", value: "1" }, "kubectl-edit"],
    ]);
    const lines = report.fields.map(describeDriftedField);
    expect(lines[0]).toBe("Deployment resnet-blue: spec.template.spec.containers[model-server].env[LOG_LEVEL].value (hidden) → (hidden)");
    expect(lines.join("\n")).not.toMatch(/debug|"1"/);
  });

  it("treats a quantity stored as a number or a string alike, and says who when no entry does", () => {
    expect(findDrift([deployment({ replicas: 2 })], [deployment({ replicas: "2" as unknown as number })]).fields).toEqual([]);
    const [field] = findDrift([deployment()], [deployment({ memory: "8Gi" })]).fields;
    expect(field).toMatchObject({ path: "spec.template.spec.containers[model-server].resources.limits.memory", rendered: "4Gi", live: "8Gi", manager: null });
  });

  it("lists rendered objects the cluster no longer holds as missing", () => {
    const service = { apiVersion: "v1", kind: "Service", metadata: { name: "resnet" }, spec: { ports: [{ port: 80 }] } } as KubernetesObject;
    expect(findDrift([deployment(), service], [service]).missing).toEqual([{ kind: "Deployment", name: "resnet-blue" }]);
  });
});
