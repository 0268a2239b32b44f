import { describe, expect, it } from "vitest";
import { defaultRenderContext } from "../../../src/cluster/render/renderContext.js";
import { renderHorizontalPodAutoscaler } from "../../../src/cluster/render/renderHorizontalPodAutoscaler.js";
import { renderPodDisruptionBudget } from "../../../src/cluster/render/renderPodDisruptionBudget.js";
import { buildSpec } from "./fixtures.js";

const ctx = defaultRenderContext("ml-serving");

describe("renderHorizontalPodAutoscaler", () => {
  it("is null when auto-scaling is off", () => {
    expect(renderHorizontalPodAutoscaler(buildSpec(), ctx, { targetSlot: "blue" })).toBeNull();
  });

  it("scales the target slot's Deployment between min and max on CPU and memory utilization", () => {
    const spec = buildSpec({
      scaling: { autoscalingEnabled: true, minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 65, targetMemoryUtilization: 85 },
    });
    const hpa = renderHorizontalPodAutoscaler(spec, ctx, { targetSlot: "green" });
    expect(hpa?.apiVersion).toBe("autoscaling/v2");
    expect(hpa?.metadata?.name).toBe("resnet-prod");
    expect(hpa?.spec?.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "resnet-prod-green" });
    expect(hpa?.spec?.minReplicas).toBe(2);
    expect(hpa?.spec?.maxReplicas).toBe(10);
    expect(hpa?.spec?.metrics).toEqual([
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 65 } } },
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 85 } } },
    ]);
  });

  it("adds the per-pod GPU utilization metric when a GPU target is set", () => {
    const spec = buildSpec({
      resources: { gpuCount: 2, gpuType: "nvidia-a100" },
      scaling: { autoscalingEnabled: true, targetGpuUtilization: 75 },
    });
    const metrics = renderHorizontalPodAutoscaler(spec, ctx, { targetSlot: "blue" })?.spec?.metrics ?? [];
    expect(metrics).toHaveLength(3);
    expect(metrics[2]).toEqual({
      type: "Pods",
      pods: { metric: { name: "DCGM_FI_DEV_GPU_UTIL" }, target: { type: "AverageValue", averageValue: "75" } },
    });
  });

  it("uses the configured GPU metric name", () => {
    const spec = buildSpec({
      resources: { gpuCount: 1, gpuType: "nvidia-t4" },
      scaling: { autoscalingEnabled: true, targetGpuUtilization: 50 },
    });
    const custom = defaultRenderContext("ml", { gpuUtilizationMetric: "gpu_utilization_percent" });
    const metrics = renderHorizontalPodAutoscaler(spec, custom, { targetSlot: "blue" })?.spec?.metrics ?? [];
    expect(metrics.map((metric) => metric.pods?.metric.name ?? metric.resource?.name)).toEqual(["cpu", "memory", "gpu_utilization_percent"]);
  });

  it("has no GPU metric without a GPU target", () => {
    const spec = buildSpec({ resources: { gpuCount: 1, gpuType: "nvidia-t4" }, scaling: { autoscalingEnabled: true } });
    const metrics = renderHorizontalPodAutoscaler(spec, ctx, { targetSlot: "blue" })?.spec?.metrics ?? [];
    expect(metrics.map((metric) => metric.type)).toEqual(["Resource", "Resource"]);
  });

  it("scales down slowly and up promptly", () => {
    const hpa = renderHorizontalPodAutoscaler(buildSpec({ scaling: { autoscalingEnabled: true } }), ctx, { targetSlot: "blue" });
    const behavior = hpa?.spec?.behavior;
    expect(behavior?.scaleDown?.stabilizationWindowSeconds).toBe(300);
    expect(behavior?.scaleUp?.stabilizationWindowSeconds).toBe(0);
    expect(behavior?.scaleDown?.policies).toEqual([{ type: "Pods", value: 1, periodSeconds: 60 }]);
  });

  it("does not hand out a shared behavior object", () => {
    const spec = buildSpec({ scaling: { autoscalingEnabled: true } });
    const first = renderHorizontalPodAutoscaler(spec, ctx, { targetSlot: "blue" });
    first?.spec?.behavior?.scaleDown?.policies?.push({ type: "Percent", value: 100, periodSeconds: 15 });
    const second = renderHorizontalPodAutoscaler(spec, ctx, { targetSlot: "blue" });
    expect(second?.spec?.behavior?.scaleDown?.policies).toHaveLength(1);
  });
});

describe("renderPodDisruptionBudget", () => {
  it("is null for a deployment that may run a single replica", () => {
    expect(renderPodDisruptionBudget(buildSpec({ scaling: { minReplicas: 1 } }), ctx)).toBeNull();
  });

  it("lets drains evict one pod at a time across both slots", () => {
    const budget = renderPodDisruptionBudget(buildSpec({ scaling: { minReplicas: 2, maxReplicas: 5 } }), ctx);
    expect(budget?.apiVersion).toBe("policy/v1");
    expect(budget?.metadata?.name).toBe("resnet-prod");
    expect(budget?.spec?.maxUnavailable).toBe(1);
    expect(budget?.spec?.selector?.matchLabels).toEqual({ "deploybot.io/deployment": "resnet-prod" });
    expect(budget?.spec?.unhealthyPodEvictionPolicy).toBe("AlwaysAllow");
  });
});
