import { rollingParameters, type RollingParameters } from "../../domain/rolloutPlan.js";
import { RESERVED_ENV_VAR_NAMES } from "../../domain/deploymentSpec.js";
import type {
  V1Affinity,
  V1Container,
  V1Deployment,
  V1DeploymentStrategy,
  V1EnvVar,
  V1PodSecurityContext,
  V1Probe,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import { GPU_TYPE_LABELS } from "../../domain/deploymentSpec.js";
import type { DeploymentSpec, EnvironmentVariable, FieldError } from "../../domain/deploymentSpec.js";
import { modelAnnotations, objectAnnotations, slotLabels, slotObjectLabels } from "./labels.js";
import type { Slot } from "./labels.js";
import { RenderError } from "./renderContext.js";
import type { RenderContext } from "./renderContext.js";

export const CONTAINER_NAME = "model-server";
export const PORT_NAME = "http";
export const GPU_RESOURCE = "nvidia.com/gpu";

/** How long a model may take to load before the startup probe gives up and the kubelet restarts it. */
export const MODEL_LOAD_TIMEOUT_SECONDS = 600;
const STARTUP_PROBE_PERIOD_SECONDS = 10;
const PROBE_TIMEOUT_SECONDS = 5;
const REVISION_HISTORY_LIMIT = 5;
const TERMINATION_GRACE_PERIOD_SECONDS = 30;

export interface DeploymentRenderOptions {
  slot: Slot;
  /** The version this slot runs; a blue-green or canary update runs a version other than the spec's in one slot. */
  modelVersion?: string;
  /** `undefined` when an HPA owns the replica count: the field is then left out so apply does not fight the HPA. */
  replicas: number | undefined;
  /** Surge bounds of a rolling update; the domain's zero-downtime defaults when not given. */
  rolling?: RollingParameters;
}

export function deploymentName(name: string, slot: Slot): string {
  return `${name}-${slot}`;
}

export function renderDeployment(spec: DeploymentSpec, ctx: RenderContext, options: DeploymentRenderOptions): V1Deployment {
  const modelVersion = options.modelVersion ?? spec.modelVersion;
  const gpus = spec.resources.gpuCount > 0;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: deploymentName(spec.name, options.slot),
      namespace: ctx.namespace,
      labels: slotObjectLabels(spec, options.slot),
      annotations: { ...objectAnnotations(spec), ...modelAnnotations(spec.modelId, modelVersion) },
    },
    spec: {
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
      revisionHistoryLimit: REVISION_HISTORY_LIMIT,
      progressDeadlineSeconds: ctx.progressDeadlineSeconds,
      strategy: rollingUpdateStrategy(options.rolling ?? rollingParameters({}, { gpus })),
      selector: { matchLabels: slotLabels(spec.name, options.slot) },
      template: {
        metadata: {
          labels: slotObjectLabels(spec, options.slot),
          annotations: { ...modelAnnotations(spec.modelId, modelVersion), ...bandwidthAnnotations(spec) },
        },
        spec: {
          terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
          // A model server never calls the Kubernetes API; a mounted token would only be something
          // to steal from a compromised model.
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(ctx),
          containers: [renderContainer(spec, ctx, modelVersion)],
          volumes: writableVolumes(),
          ...(gpus ? gpuPlacement(spec, ctx) : {}),
        },
      },
    },
  };
}

/** How Kubernetes replaces the pods of a slot; the bounds and their defaults are the domain's (see rollingParameters). */
function rollingUpdateStrategy(parameters: RollingParameters): V1DeploymentStrategy {
  return { type: "RollingUpdate", rollingUpdate: { maxSurge: parameters.maxSurge, maxUnavailable: parameters.maxUnavailable } };
}

function renderContainer(spec: DeploymentSpec, ctx: RenderContext, modelVersion: string): V1Container {
  return {
    name: CONTAINER_NAME,
    image: ctx.modelServerImage,
    imagePullPolicy: "IfNotPresent",
    args: [`--model-id=${spec.modelId}`, `--model-version=${modelVersion}`, `--port=${ctx.containerPort}`],
    env: renderEnv(spec, modelVersion),
    ports: [{ name: PORT_NAME, containerPort: ctx.containerPort, protocol: "TCP" }],
    resources: renderResources(spec),
    ...renderProbes(spec),
    securityContext: containerSecurityContext(),
    volumeMounts: writableVolumeMounts(),
  };
}

/**
 * The Pod Security Standards' "restricted" profile, so environment namespaces can enforce it.
 * The user is set by number: `runAsNonRoot` alone makes the kubelet refuse an image whose USER is
 * root or a name it cannot check. fsGroup makes the writable volumes the model user's.
 */
export function podSecurityContext(ctx: RenderContext): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: ctx.modelServerUserId,
    runAsGroup: ctx.modelServerUserId,
    fsGroup: ctx.modelServerUserId,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    // The image stays as built: a compromised model server cannot replace its own code. What it
    // legitimately writes goes to the two emptyDirs below, which count against the pod's
    // ephemeral-storage request and limit (the form's Storage), so a full cache evicts the pod
    // instead of filling the node.
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Where the model server may write: scratch files, and the downloaded model weights. */
export const MODEL_CACHE_PATH = "/var/cache/model";
function writableVolumes(): V1Volume[] {
  return [
    { name: "tmp", emptyDir: {} },
    { name: "model-cache", emptyDir: {} },
  ];
}
function writableVolumeMounts(): V1VolumeMount[] {
  return [
    { name: "tmp", mountPath: "/tmp" },
    { name: "model-cache", mountPath: MODEL_CACHE_PATH },
  ];
}

export function renderEnv(spec: DeploymentSpec, modelVersion: string): V1EnvVar[] {
  assertNoReservedEnv(spec.env);
  return [
    { name: "MODEL_ID", value: spec.modelId },
    { name: "MODEL_VERSION", value: modelVersion },
    ...spec.env.map(renderEnvVar),
  ];
}

function assertNoReservedEnv(variables: readonly EnvironmentVariable[]): void {
  const errors: FieldError[] = [];
  variables.forEach((variable, index) => {
    if (RESERVED_ENV_VAR_NAMES.includes(variable.name)) {
      errors.push({ path: `env.${index}.name`, message: `${variable.name} is set by deploybot; choose another name.` });
    }
  });
  if (errors.length > 0) throw new RenderError(errors);
}

function renderEnvVar(variable: EnvironmentVariable): V1EnvVar {
  if (variable.kind === "plain") return { name: variable.name, value: variable.value };
  return { name: variable.name, valueFrom: { secretKeyRef: { name: variable.secretName, key: variable.secretKey } } };
}

/** Whole cores as `"4"`, fractions in millicores (`0.5` → `"500m"`). */
export function cpuQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** The form's GB are GiB: whole ones as `"16Gi"`, fractions in MiB (`0.5` → `"512Mi"`). */
export function gibQuantity(gib: number): string {
  return Number.isInteger(gib) ? `${gib}Gi` : `${Math.round(gib * 1024)}Mi`;
}

/**
 * Requests equal limits: the HPA computes utilization against requests, and equal values give the
 * pod Guaranteed QoS so a model is the last thing evicted under node pressure. GPUs, being an
 * extended resource, must have equal request and limit anyway.
 */
export function renderResources(spec: DeploymentSpec): V1ResourceRequirements {
  const { resources } = spec;
  const quantities: Record<string, string> = {
    cpu: cpuQuantity(resources.cpuCores),
    memory: gibQuantity(resources.memoryGb),
    "ephemeral-storage": gibQuantity(resources.storageGb),
  };
  if (resources.gpuCount > 0) quantities[GPU_RESOURCE] = String(resources.gpuCount);
  return { requests: { ...quantities }, limits: { ...quantities } };
}

/** Only enforced where the CNI chain includes the `bandwidth` plugin: a best-effort cap. */
function bandwidthAnnotations(spec: DeploymentSpec): Record<string, string> {
  const mbps = spec.resources.networkBandwidthMbps;
  if (mbps === undefined) return {};
  return { "kubernetes.io/ingress-bandwidth": `${mbps}M`, "kubernetes.io/egress-bandwidth": `${mbps}M` };
}

function httpGet(spec: DeploymentSpec): Pick<V1Probe, "httpGet"> {
  return { httpGet: { path: spec.loadBalancer.healthCheckPath, port: PORT_NAME, scheme: "HTTP" } };
}

/**
 * The startup probe holds the other two back while the weights load, which can take minutes for a
 * large model; without it the liveness probe would restart the pod in a loop before it ever served.
 */
export function renderProbes(spec: DeploymentSpec): Pick<V1Container, "readinessProbe" | "livenessProbe" | "startupProbe"> {
  const interval = spec.loadBalancer.healthCheckIntervalSeconds;
  // A timeout longer than the period would let probes overlap.
  const timeoutSeconds = Math.min(PROBE_TIMEOUT_SECONDS, interval);
  return {
    readinessProbe: { ...httpGet(spec), periodSeconds: interval, timeoutSeconds, failureThreshold: 3, successThreshold: 1 },
    livenessProbe: { ...httpGet(spec), periodSeconds: interval, timeoutSeconds, failureThreshold: 3, successThreshold: 1 },
    startupProbe: {
      ...httpGet(spec),
      periodSeconds: STARTUP_PROBE_PERIOD_SECONDS,
      timeoutSeconds: PROBE_TIMEOUT_SECONDS,
      failureThreshold: Math.ceil(MODEL_LOAD_TIMEOUT_SECONDS / STARTUP_PROBE_PERIOD_SECONDS),
      successThreshold: 1,
    },
  };
}

/** GPU nodes are usually tainted so that ordinary pods stay off them; GPU pods must tolerate it. */
const GPU_TOLERATION: V1Toleration = { key: GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" };

function gpuPlacement(spec: DeploymentSpec, ctx: RenderContext): { tolerations: V1Toleration[]; affinity?: V1Affinity } {
  const gpuType = spec.resources.gpuType;
  // The spec schema requires a type whenever GPUs are requested; a missing one would only mean "any GPU".
  if (gpuType === undefined) return { tolerations: [GPU_TOLERATION] };
  const values = ctx.gpuNodeLabelValues[gpuType];
  if (values.length === 0) {
    // `In` with no values is rejected by the API server; better to say which setting is missing.
    throw new RenderError([
      { path: "resources.gpuType", message: `This cluster has no nodes configured for ${GPU_TYPE_LABELS[gpuType]} GPUs.` },
    ]);
  }
  return {
    tolerations: [GPU_TOLERATION],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: ctx.gpuNodeLabelKey, operator: "In", values: [...values] }] },
          ],
        },
      },
    },
  };
}
