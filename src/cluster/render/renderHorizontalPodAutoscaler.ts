import type { V2HorizontalPodAutoscaler, V2HorizontalPodAutoscalerBehavior, V2MetricSpec } from "@kubernetes/client-node";
import type { DeploymentSpec } from "../../domain/deploymentSpec.js";
import { deploymentObjectMetadata } from "./labels.js";
import type { Slot } from "./labels.js";
import type { RenderContext } from "./renderContext.js";
import { deploymentName } from "./renderDeployment.js";

export interface HorizontalPodAutoscalerRenderOptions {
  /** The slot whose Deployment the HPA scales: the active one. */
  targetSlot: Slot;
}

/**
 * Scaling down a model is the expensive mistake (the replacement takes minutes to load its weights),
 * so removals wait for five minutes of low load and go one pod a minute; additions are immediate
 * and may double the fleet per minute to absorb a burst.
 */
export const HPA_BEHAVIOR: V2HorizontalPodAutoscalerBehavior = {
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: "Min",
    policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
  },
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Percent", value: 100, periodSeconds: 60 },
      { type: "Pods", value: 4, periodSeconds: 60 },
    ],
  },
};

/** `null` when auto-scaling is off: the Deployment's `spec.replicas` then decides alone. */
export function renderHorizontalPodAutoscaler(
  spec: DeploymentSpec,
  ctx: RenderContext,
  options: HorizontalPodAutoscalerRenderOptions,
): V2HorizontalPodAutoscaler | null {
  if (!spec.scaling.autoscalingEnabled) return null;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: deploymentObjectMetadata(spec, ctx.namespace),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName(spec.name, options.targetSlot) },
      minReplicas: spec.scaling.minReplicas,
      maxReplicas: spec.scaling.maxReplicas,
      metrics: renderMetrics(spec, ctx),
      behavior: structuredClone(HPA_BEHAVIOR),
    },
  };
}

/** With several metrics the HPA follows whichever asks for the most replicas. */
export function renderMetrics(spec: DeploymentSpec, ctx: RenderContext): V2MetricSpec[] {
  const metrics: V2MetricSpec[] = [
    resourceMetric("cpu", spec.scaling.targetCpuUtilization),
    resourceMetric("memory", spec.scaling.targetMemoryUtilization),
  ];
  const gpuTarget = spec.scaling.targetGpuUtilization;
  if (gpuTarget !== undefined && spec.resources.gpuCount > 0) metrics.push(gpuMetric(ctx.gpuUtilizationMetric, gpuTarget));
  return metrics;
}

/** Utilization is a percentage of the container's request, which renderDeployment always sets. */
function resourceMetric(resource: "cpu" | "memory", averageUtilization: number): V2MetricSpec {
  return { type: "Resource", resource: { name: resource, target: { type: "Utilization", averageUtilization } } };
}

/**
 * GPU utilization is not a resource metric: it is served per pod on custom.metrics.k8s.io. The
 * cluster needs NVIDIA's dcgm-exporter (with pod attribution, so series carry the pod's namespace
 * and name) scraped by Prometheus, and a prometheus-adapter rule averaging a pod's GPUs:
 *
 *   rules:
 *     - seriesQuery: 'DCGM_FI_DEV_GPU_UTIL{exported_namespace!="",exported_pod!=""}'
 *       resources:
 *         overrides:
 *           exported_namespace: { resource: namespace }
 *           exported_pod: { resource: pod }
 *       name: { matches: "^DCGM_FI_DEV_GPU_UTIL$", as: "DCGM_FI_DEV_GPU_UTIL" }
 *       metricsQuery: 'avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
 *
 * (`exported_` because the exporter's own pod labels are renamed on scrape; with honorLabels the
 * labels are plain `namespace`/`pod`.) The value is 0–100, so the target is the percentage itself.
 */
function gpuMetric(metricName: string, percent: number): V2MetricSpec {
  return {
    type: "Pods",
    pods: { metric: { name: metricName }, target: { type: "AverageValue", averageValue: String(percent) } },
  };
}
