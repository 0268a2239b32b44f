import type { FieldError, GpuType } from "../../domain/deploymentSpec.js";
import type { TrafficProviderId } from "../../domain/trafficCapabilities.js";

/** Cluster-specific settings the renderers need besides the spec; they come from the bot's config. */
export interface RenderContext {
  namespace: string;
  /** The generic model-server image; the model itself is chosen by its `--model-id`/`--model-version` args. */
  modelServerImage: string;
  containerPort: number;
  /** After this long without progress a rollout is marked `ProgressDeadlineExceeded` (and rolled back by the bot). */
  progressDeadlineSeconds: number;
  /** Node label carrying the GPU product: GPU Feature Discovery's by default, GKE uses `cloud.google.com/gke-accelerator`. */
  gpuNodeLabelKey: string;
  /** Accepted values of `gpuNodeLabelKey` per GPU type: several SKUs count as the same type in the form. */
  gpuNodeLabelValues: Record<GpuType, readonly string[]>;
  /** Per-pod custom metric (custom.metrics.k8s.io) holding GPU utilization in percent. */
  gpuUtilizationMetric: string;
  trafficProvider: TrafficProviderId;
  /** Numeric user (and group) the model server runs as: the restricted security profile needs non-root. */
  modelServerUserId: number;
}

export const DEFAULT_MODEL_SERVER_IMAGE = "ghcr.io/example/model-server:1.0";
export const DEFAULT_CONTAINER_PORT = 8080;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_GPU_NODE_LABEL_KEY = "nvidia.com/gpu.product";
/** `nvidia.com/gpu.product` values GPU Feature Discovery reports for each type (they differ between driver releases). */
export const DEFAULT_GPU_NODE_LABEL_VALUES: Record<GpuType, readonly string[]> = {
  "nvidia-t4": ["Tesla-T4", "NVIDIA-T4"],
  "nvidia-v100": ["Tesla-V100-SXM2-16GB", "Tesla-V100-SXM2-32GB", "Tesla-V100-PCIE-16GB", "Tesla-V100-PCIE-32GB"],
  "nvidia-a100": ["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-PCIE-40GB", "NVIDIA-A100-80GB-PCIe"],
};
/** GPU utilization gauge exported by NVIDIA's dcgm-exporter. */
export const DEFAULT_GPU_UTILIZATION_METRIC = "DCGM_FI_DEV_GPU_UTIL";
/** The conventional first unprivileged user of Debian/Ubuntu-based images, which most model-server images are. */
export const DEFAULT_MODEL_SERVER_USER_ID = 1000;

export function defaultRenderContext(namespace: string, overrides: Partial<Omit<RenderContext, "namespace">> = {}): RenderContext {
  return {
    namespace,
    modelServerImage: DEFAULT_MODEL_SERVER_IMAGE,
    containerPort: DEFAULT_CONTAINER_PORT,
    progressDeadlineSeconds: DEFAULT_PROGRESS_DEADLINE_SECONDS,
    gpuNodeLabelKey: DEFAULT_GPU_NODE_LABEL_KEY,
    gpuNodeLabelValues: DEFAULT_GPU_NODE_LABEL_VALUES,
    gpuUtilizationMetric: DEFAULT_GPU_UTILIZATION_METRIC,
    trafficProvider: "service",
    modelServerUserId: DEFAULT_MODEL_SERVER_USER_ID,
    ...overrides,
  };
}

/** Share of requests per slot, in whole percent summing to 100. */
export interface TrafficWeights {
  blue: number;
  green: number;
}

/**
 * The spec asks for something this cluster cannot render. Form validation should have caught it
 * (see trafficCapabilityErrors), so reaching this means a stale spec or a config change: the
 * errors use the same field paths as the form so they can be shown the same way.
 */
export class RenderError extends Error {
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[]) {
    super(errors.map((error) => `${error.path}: ${error.message}`).join("; "));
    this.name = "RenderError";
    this.errors = errors;
  }
}
