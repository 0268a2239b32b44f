import { describe, expect, it } from "vitest";
import { adoptLiveValues, coresOf, gibOf, isCurrentDrift, type DriftedField } from "../../src/domain/drift.js";
import { buildSpec } from "../cluster/render/fixtures.js";

const CONTAINER = "spec.template.spec.containers[model-server]";

function field(kind: string, path: string, rendered: unknown, live: unknown): DriftedField {
  return { kind, object: "resnet-prod-blue", path, rendered, live, manager: "kubectl-edit", operation: "Update", time: "2026-12-01T10:00:00Z" };
}

describe("adopting live values", () => {
  it("keeps what the spec can hold: replicas, CPU, memory, plain environment variables and the HPA's bounds", () => {
    const spec = buildSpec({ env: [{ kind: "plain", name: "LOG_LEVEL", value: "info" }, { kind: "plain", name: "OLD", value: "x" }] });
    const adoption = adoptLiveValues(spec, 2, [
      field("Deployment", "spec.replicas", 2, 3),
      field("Deployment", `${CONTAINER}.resources.limits.cpu`, "4", "500m"),
      field("Deployment", `${CONTAINER}.resources.requests.memory`, "16Gi", "512Mi"),
      field("Deployment", `${CONTAINER}.env[LOG_LEVEL].value`, "info", "debug"),
      field("Deployment", `${CONTAINER}.env[NEW]`, undefined, { name: "NEW", value: "1" }),
      field("Deployment", `${CONTAINER}.env[OLD]`, { name: "OLD", value: "x" }, undefined),
      field("HorizontalPodAutoscaler", "spec.maxReplicas", 4, 9),
    ]);
    expect(adoption.replicas).toBe(3);
    expect(adoption.spec.resources).toMatchObject({ cpuCores: 0.5, memoryGb: 0.5 });
    expect(adoption.spec.env).toEqual([{ kind: "plain", name: "LOG_LEVEL", value: "debug" }, { kind: "plain", name: "NEW", value: "1" }]);
    expect(adoption.spec.scaling.maxReplicas).toBe(9);
    expect(adoption.notAdoptable).toEqual([]);
    expect(spec.env).toHaveLength(2);
  });

  it("names what it cannot hold: the image, probes, reserved variables, secrets, replicas an HPA owns, odd units", () => {
    const spec = buildSpec({ env: [{ kind: "secret", name: "TOKEN", secretName: "hf", secretKey: "token" }], scaling: { autoscalingEnabled: true } });
    const fields = [
      field("Deployment", `${CONTAINER}.image`, "ms:1", "ms:2"),
      field("Deployment", `${CONTAINER}.env[MODEL_VERSION].value`, "v1", "v2"),
      field("Deployment", `${CONTAINER}.env[TOKEN]`, { name: "TOKEN" }, { name: "TOKEN", value: "leaked" }),
      field("Deployment", "spec.replicas", 2, 5),
      field("Deployment", `${CONTAINER}.resources.limits.memory`, "16Gi", "17G"),
    ];
    const adoption = adoptLiveValues(spec, 2, fields);
    expect(adoption.adopted).toEqual([]);
    expect(adoption.notAdoptable).toEqual(fields);
    expect(adoption.spec).toEqual(spec);
  });

  it("reads quantities as the renderer writes them", () => {
    expect([coresOf("2"), coresOf(2), coresOf("250m"), coresOf("2Gi")]).toEqual([2, 2, 0.25, undefined]);
    expect([gibOf("8Gi"), gibOf("1536Mi"), gibOf("8G")]).toEqual([8, 1.5, undefined]);
  });
});

describe("a drift record's currency", () => {
  const drift = { deploymentId: "d", fields: [], missing: [], specVersion: 3, detectedAt: new Date(1000), checkedAt: new Date(5000) };
  it("counts only for the spec checked, after the deployment's last change, with nothing running", () => {
    expect(isCurrentDrift(drift, { specVersion: 3, updatedAt: new Date(4000), activeOperationId: null })).toBe(true);
    expect(isCurrentDrift(drift, { specVersion: 4, updatedAt: new Date(4000), activeOperationId: null })).toBe(false);
    expect(isCurrentDrift(drift, { specVersion: 3, updatedAt: new Date(6000), activeOperationId: null })).toBe(false);
    expect(isCurrentDrift(drift, { specVersion: 3, updatedAt: new Date(4000), activeOperationId: "op" })).toBe(false);
  });
});
