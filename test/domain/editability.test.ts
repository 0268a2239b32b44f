import { describe, expect, it } from "vitest";
import { deploymentSpecSchema, type DeploymentSpec } from "../../src/domain/deploymentSpec.js";
import { EDIT_RULES, editabilityOf, forbiddenChanges, needsRestart, specChanges } from "../../src/domain/editability.js";
import { formatEnvironmentVariables, parseEnvironmentVariables } from "../../src/domain/environmentVariablesText.js";
import { checkScale } from "../../src/domain/scaling.js";

function spec(patch: (s: DeploymentSpec) => void = () => undefined): DeploymentSpec {
  const base = deploymentSpecSchema.parse({
    name: "resnet-prod",
    modelId: "model-001",
    modelVersion: "v1",
    resources: { cpuCores: 4, memoryGb: 16 },
    scaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70, targetMemoryUtilization: 80 },
  });
  patch(base);
  return base;
}

describe("edit rules (the guide's Editable Fields)", () => {
  it.each([
    ["description", "editable"],
    ["env", "rolling"],
    ["scaling.minReplicas", "editable"],
    ["scaling.maxReplicas", "editable"],
    ["scaling.targetCpuUtilization", "editable"],
    ["scaling.targetGpuUtilization", "editable"],
    ["scaling.autoscalingEnabled", "editable"],
    ["loadBalancer.healthCheckPath", "rolling"],
    ["loadBalancer.healthCheckIntervalSeconds", "rolling"],
    ["loadBalancer.algorithm", "editable"],
    ["loadBalancer.stickySessions", "editable"],
    ["resources.cpuCores", "restart"],
    ["resources.memoryGb", "restart"],
    ["modelId", "read-only"],
    ["name", "read-only"],
  ])("%s is %s", (path, kind) => {
    expect(editabilityOf(path).kind).toBe(kind);
  });

  it("explains why read-only fields cannot change", () => {
    expect(EDIT_RULES.modelId).toEqual({ kind: "read-only", reason: "Use Update Model to deploy another model." });
    expect(EDIT_RULES.name).toEqual({ kind: "read-only", reason: "The deployment name cannot be edited." });
  });

  it("lists what changed in form order, flags restarts, and refuses read-only changes", () => {
    const before = spec();
    const after = spec((s) => {
      s.description = "new";
      s.resources.cpuCores = 8;
      s.modelId = "other";
    });
    const changes = specChanges(before, after);
    expect(changes.map((c) => [c.path, c.before, c.after])).toEqual([
      ["description", "—", "new"],
      ["modelId", "model-001", "other"],
      ["resources.cpuCores", "4", "8"],
    ]);
    expect(needsRestart(changes)).toBe(true);
    expect(forbiddenChanges(changes)).toEqual([{ path: "modelId", message: "Use Update Model to deploy another model." }]);
    expect(needsRestart(specChanges(before, spec((s) => void (s.scaling.maxReplicas = 9))))).toBe(false);
  });

  it("shows environment variable changes by name, never their values", () => {
    const before = spec((s) => void (s.env = [{ kind: "plain", name: "TOKEN", value: "s3cr3t" }, { kind: "plain", name: "OLD", value: "x" }]));
    const after = spec((s) => void (s.env = [{ kind: "plain", name: "TOKEN", value: "n3w-s3cr3t" }, { kind: "plain", name: "NEW", value: "y" }]));
    const change = specChanges(before, after).find((c) => c.path === "env");
    expect(change?.after).toBe("+NEW ~TOKEN -OLD");
    expect(JSON.stringify(change)).not.toContain("s3cr3t");
  });
});

describe("environment variables as text", () => {
  it("round-trips plain values and secret references", () => {
    const text = "LOG_LEVEL=info\n# comment\n\nHF_TOKEN=secret:huggingface/token\nEMPTY=";
    const parsed = parseEnvironmentVariables(text);
    expect(parsed).toEqual({
      ok: true,
      variables: [
        { kind: "plain", name: "LOG_LEVEL", value: "info" },
        { kind: "secret", name: "HF_TOKEN", secretName: "huggingface", secretKey: "token" },
        { kind: "plain", name: "EMPTY", value: "" },
      ],
    });
    if (parsed.ok) expect(formatEnvironmentVariables(parsed.variables)).toBe("LOG_LEVEL=info\nHF_TOKEN=secret:huggingface/token\nEMPTY=");
  });

  it.each([
    ["no equals sign", "JUST_A_NAME", /Line 1: write NAME=value/],
    ["bad name", "1X=2", /Line 1 \(1X\)/],
    ["bad secret name", "A=secret:Bad_Name/key", /Secret names/],
  ])("refuses %s with the line", (_title, text, message) => {
    const parsed = parseEnvironmentVariables(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(message);
  });
});

describe("manual scaling rules", () => {
  it("allows a count within [min, max]", () => {
    expect(checkScale("resnet-prod", spec(), 2, 4)).toEqual({ allowed: true, confirmation: false });
  });
  it("asks to confirm a scale to zero", () => {
    expect(checkScale("resnet-prod", spec(), 2, 0)).toMatchObject({ allowed: true, confirmation: true });
  });
  it.each([
    [1, /between 2 and 6 replicas; 1 is outside/],
    [7, /7 is outside/],
    [2, /already runs 2 replicas/],
  ])("refuses %i clearly, without clamping", (replicas, reason) => {
    const check = checkScale("resnet-prod", spec(), 2, replicas);
    expect(check.allowed).toBe(false);
    if (!check.allowed) expect(check.reason).toMatch(reason);
  });
  it("refuses while auto-scaling owns the count", () => {
    const check = checkScale("resnet-prod", spec((s) => void (s.scaling.autoscalingEnabled = true)), 2, 4);
    expect(check).toMatchObject({ allowed: false, reason: expect.stringContaining("Auto-scaling owns the replica count") });
  });
});
