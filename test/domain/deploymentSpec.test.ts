import { describe, expect, it } from "vitest";
import { validateDeploymentSpec, type DeploymentSpecInput } from "../../src/domain/deploymentSpec.js";

function validInput(): DeploymentSpecInput {
  return {
    name: "resnet-prod",
    description: "Image classification",
    modelId: "model-001",
    modelVersion: "v2.1.0",
    environment: "production",
    resources: { cpuCores: 4, memoryGb: 16 },
    scaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70, targetMemoryUtilization: 80 },
  };
}

type Mutation = (input: Record<string, unknown> & { resources: Record<string, unknown>; scaling: Record<string, unknown>; loadBalancer?: Record<string, unknown> }) => void;

function errorsFor(mutate: Mutation): Record<string, string> {
  const input = structuredClone(validInput()) as Parameters<Mutation>[0];
  mutate(input);
  const result = validateDeploymentSpec(input);
  if (result.ok) return {};
  return Object.fromEntries(result.errors.map((error) => [error.path, error.message]));
}

describe("deployment spec", () => {
  it("accepts the guide's example and fills the defaults", () => {
    const result = validateDeploymentSpec({ ...validInput(), environment: undefined });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.environment).toBe("development");
    expect(result.spec.resources.gpuCount).toBe(0);
    expect(result.spec.resources.storageGb).toBe(20);
    expect(result.spec.loadBalancer).toEqual({
      enabled: false,
      algorithm: "round-robin",
      healthCheckPath: "/health",
      healthCheckIntervalSeconds: 30,
      stickySessions: false,
    });
    expect(result.spec.scaling.autoscalingEnabled).toBe(false);
  });

  it("accepts numbers typed as text, as Slack sends them", () => {
    const result = validateDeploymentSpec({
      ...validInput(),
      resources: { cpuCores: "0.5", memoryGb: " 8 ", gpuCount: "2", gpuType: "nvidia-a100", storageGb: "", networkBandwidthMbps: "1000" },
      scaling: { minReplicas: "1", maxReplicas: "3", targetCpuUtilization: "70", targetMemoryUtilization: "80", autoscalingEnabled: true, targetGpuUtilization: "60" },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.resources).toEqual({ cpuCores: 0.5, memoryGb: 8, gpuCount: 2, gpuType: "nvidia-a100", storageGb: 20, networkBandwidthMbps: 1000 });
    expect(result.spec.scaling.targetGpuUtilization).toBe(60);
  });

  const rules: [string, Mutation, string, RegExp][] = [
    ["name required", (i) => void (i.name = ""), "name", /Deployment name is required/],
    ["name must be a Kubernetes name", (i) => void (i.name = "ResNet_Prod"), "name", /lowercase letters/],
    ["name must not end with a dash", (i) => void (i.name = "resnet-"), "name", /end with a letter or digit/],
    ["name length", (i) => void (i.name = `a${"b".repeat(40)}`), "name", /at most 40 characters/],
    ["description length", (i) => void (i.description = "x".repeat(501)), "description", /at most 500/],
    ["model id required", (i) => void (i.modelId = "  "), "modelId", /Model ID is required/],
    ["model id characters", (i) => void (i.modelId = "model 1"), "modelId", /Model ID may contain/],
    ["model version required", (i) => void (i.modelVersion = undefined), "modelVersion", /Model version is required/],
    ["model version characters", (i) => void (i.modelVersion = "v1/2"), "modelVersion", /Model version may contain/],
    ["environment choice", (i) => void (i.environment = "qa"), "environment", /Development, Staging or Production/],
    ["cpu required", (i) => void (i.resources.cpuCores = ""), "resources.cpuCores", /CPU cores is required/],
    ["cpu is a number", (i) => void (i.resources.cpuCores = "four"), "resources.cpuCores", /must be a number/],
    ["cpu lower bound", (i) => void (i.resources.cpuCores = 0), "resources.cpuCores", /at least 0.1/],
    ["cpu upper bound", (i) => void (i.resources.cpuCores = 200), "resources.cpuCores", /at most 96/],
    ["memory required", (i) => void (i.resources.memoryGb = undefined), "resources.memoryGb", /Memory is required/],
    ["memory upper bound", (i) => void (i.resources.memoryGb = 5000), "resources.memoryGb", /at most 1024 GB/],
    ["gpu count whole", (i) => void (i.resources.gpuCount = 1.5), "resources.gpuCount", /whole number/],
    ["gpu count upper bound", (i) => void (i.resources.gpuCount = 9), "resources.gpuCount", /at most 8/],
    ["gpu type needed with gpus", (i) => void (i.resources.gpuCount = 2), "resources.gpuType", /Choose a GPU type/],
    ["gpu type only with gpus", (i) => void (i.resources.gpuType = "nvidia-t4"), "resources.gpuType", /only applies when GPU count/],
    ["gpu type choice", (i) => Object.assign(i.resources, { gpuCount: 1, gpuType: "h100" }), "resources.gpuType", /Choose a GPU type from the list/],
    ["storage bounds", (i) => void (i.resources.storageGb = 0), "resources.storageGb", /at least 1 GB/],
    ["bandwidth bounds", (i) => void (i.resources.networkBandwidthMbps = 200_000), "resources.networkBandwidthMbps", /at most 100000 Mbps/],
    ["min replicas at least 1", (i) => void (i.scaling.minReplicas = 0), "scaling.minReplicas", /at least 1/],
    ["max replicas upper bound", (i) => void (i.scaling.maxReplicas = 101), "scaling.maxReplicas", /at most 100/],
    ["replicas whole", (i) => void (i.scaling.minReplicas = 1.5), "scaling.minReplicas", /whole number/],
    ["min <= max", (i) => Object.assign(i.scaling, { minReplicas: 5, maxReplicas: 2 }), "scaling.maxReplicas", /must be at least min replicas \(5\)/],
    ["cpu target 1-100", (i) => void (i.scaling.targetCpuUtilization = 0), "scaling.targetCpuUtilization", /at least 1%/],
    ["memory target 1-100", (i) => void (i.scaling.targetMemoryUtilization = 120), "scaling.targetMemoryUtilization", /at most 100%/],
    ["gpu target 1-100", (i) => Object.assign(i.scaling, { targetGpuUtilization: 101 }), "scaling.targetGpuUtilization", /at most 100%/],
    ["gpu target only with gpus", (i) => Object.assign(i.scaling, { targetGpuUtilization: 50 }), "scaling.targetGpuUtilization", /only applies when GPU count/],
    ["health check path starts with /", (i) => void (i.loadBalancer = { enabled: true, healthCheckPath: "health" }), "loadBalancer.healthCheckPath", /must start with '\/'/],
    ["health check interval bounds", (i) => void (i.loadBalancer = { enabled: true, healthCheckIntervalSeconds: 0 }), "loadBalancer.healthCheckIntervalSeconds", /at least 1 seconds/],
    ["algorithm choice", (i) => void (i.loadBalancer = { enabled: true, algorithm: "random" }), "loadBalancer.algorithm", /load balancing algorithm/],
    ["env var names", (i) => void (i.env = [{ kind: "plain", name: "1BAD", value: "x" }]), "env.0.name", /letters, digits and '_'/],
    ["env var reserved", (i) => void (i.env = [{ kind: "plain", name: "MODEL_ID", value: "x" }]), "env.0.name", /set by deploybot/],
    ["env var duplicates", (i) => void (i.env = [{ kind: "plain", name: "A", value: "1" }, { kind: "plain", name: "A", value: "2" }]), "env.1.name", /defined twice/],
  ];

  it.each(rules)("refuses bad input: %s", (_title, mutate, path, message) => {
    const errors = errorsFor(mutate);
    expect(errors[path], JSON.stringify(errors)).toMatch(message);
  });

  it("reports each field once, every field at the same time", () => {
    const errors = errorsFor((i) => {
      i.name = "";
      i.resources.cpuCores = "x";
      i.scaling.targetCpuUtilization = 500;
    });
    expect(Object.keys(errors).sort()).toEqual(["name", "resources.cpuCores", "scaling.targetCpuUtilization"]);
  });
});
