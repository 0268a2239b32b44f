import { trafficCapabilityErrors, type TrafficProviderId } from "./trafficCapabilities.js";
import {
  validateDeploymentSpec,
  ENVIRONMENT_LABELS,
  GPU_TYPE_LABELS,
  LOAD_BALANCING_ALGORITHM_LABELS,
  type DeploymentSpec,
  type EnvironmentVariable,
  type FieldError,
} from "./deploymentSpec.js";

/**
 * The guide's "Editable Fields", as one table: what an edit may change, what needs a restart
 * of every instance, and what is read-only with the reason shown next to it. The edit form and
 * the edit validation both read this table.
 */
export type Editability =
  | { kind: "editable" }
  /** Applied as a zero-downtime rolling update of the pods, without asking. */
  | { kind: "rolling"; reason: string }
  /** The guide's "requires restart": resources change, so the bot asks to confirm first. */
  | { kind: "restart"; reason: string }
  | { kind: "read-only"; reason: string };

const EDITABLE: Editability = { kind: "editable" };
const RESTART: Editability = { kind: "restart", reason: "Changing CPU or memory restarts every instance (a rolling restart)." };

export const EDIT_RULES: Record<string, Editability> = {
  name: { kind: "read-only", reason: "The deployment name cannot be edited." },
  modelId: { kind: "read-only", reason: "Use Update Model to deploy another model." },
  modelVersion: { kind: "read-only", reason: "Use Update Model to roll out another version." },
  environment: { kind: "read-only", reason: "The environment decides the namespace: create a new deployment to move it." },
  description: EDITABLE,
  env: { kind: "rolling", reason: "New environment variables roll out to every instance (rolling update)." },
  "resources.cpuCores": RESTART,
  "resources.memoryGb": RESTART,
  "resources.gpuCount": { kind: "restart", reason: "Changing GPUs restarts every instance." },
  "resources.gpuType": { kind: "restart", reason: "Changing the GPU type reschedules every instance." },
  "resources.storageGb": { kind: "restart", reason: "Changing storage restarts every instance." },
  "resources.networkBandwidthMbps": { kind: "rolling", reason: "Bandwidth limits roll out to every instance (rolling update)." },
  "scaling.minReplicas": EDITABLE,
  "scaling.maxReplicas": EDITABLE,
  "scaling.targetCpuUtilization": EDITABLE,
  "scaling.targetMemoryUtilization": EDITABLE,
  "scaling.autoscalingEnabled": EDITABLE,
  "scaling.targetGpuUtilization": EDITABLE,
  "loadBalancer.enabled": EDITABLE,
  "loadBalancer.algorithm": EDITABLE,
  "loadBalancer.healthCheckPath": { kind: "rolling", reason: "Health check changes roll out to every instance (rolling update)." },
  "loadBalancer.healthCheckIntervalSeconds": { kind: "rolling", reason: "Health check changes roll out to every instance (rolling update)." },
  "loadBalancer.stickySessions": EDITABLE,
};

export function editabilityOf(path: string): Editability {
  return EDIT_RULES[path] ?? EDITABLE;
}

export const FIELD_LABELS: Record<string, string> = {
  name: "Deployment name",
  description: "Description",
  modelId: "Model ID",
  modelVersion: "Model version",
  environment: "Environment",
  env: "Environment variables",
  "resources.cpuCores": "CPU cores",
  "resources.memoryGb": "Memory (GB)",
  "resources.gpuCount": "GPU count",
  "resources.gpuType": "GPU type",
  "resources.storageGb": "Storage (GB)",
  "resources.networkBandwidthMbps": "Network bandwidth (Mbps)",
  "scaling.minReplicas": "Min replicas",
  "scaling.maxReplicas": "Max replicas",
  "scaling.targetCpuUtilization": "Target CPU utilization (%)",
  "scaling.targetMemoryUtilization": "Target memory utilization (%)",
  "scaling.autoscalingEnabled": "Auto-scaling",
  "scaling.targetGpuUtilization": "Target GPU utilization (%)",
  "loadBalancer.enabled": "Load balancer",
  "loadBalancer.algorithm": "Load balancing algorithm",
  "loadBalancer.healthCheckPath": "Health check path",
  "loadBalancer.healthCheckIntervalSeconds": "Health check interval (s)",
  "loadBalancer.stickySessions": "Sticky sessions",
};

export interface FieldChange {
  path: string;
  label: string;
  /** Display text; environment variable values never appear, only names. */
  before: string;
  after: string;
  editability: Editability;
}

type Scalar = string | number | boolean | undefined;

function display(path: string, value: Scalar): string {
  if (value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "on" : "off";
  if (path === "environment") return ENVIRONMENT_LABELS[value as DeploymentSpec["environment"]] ?? String(value);
  if (path === "resources.gpuType") return GPU_TYPE_LABELS[value as keyof typeof GPU_TYPE_LABELS] ?? String(value);
  if (path === "loadBalancer.algorithm") return LOAD_BALANCING_ALGORITHM_LABELS[value as keyof typeof LOAD_BALANCING_ALGORITHM_LABELS] ?? String(value);
  return String(value);
}

function scalarFields(spec: DeploymentSpec): Record<string, Scalar> {
  return {
    name: spec.name,
    description: spec.description,
    modelId: spec.modelId,
    modelVersion: spec.modelVersion,
    environment: spec.environment,
    "resources.cpuCores": spec.resources.cpuCores,
    "resources.memoryGb": spec.resources.memoryGb,
    "resources.gpuCount": spec.resources.gpuCount,
    "resources.gpuType": spec.resources.gpuType,
    "resources.storageGb": spec.resources.storageGb,
    "resources.networkBandwidthMbps": spec.resources.networkBandwidthMbps,
    "scaling.minReplicas": spec.scaling.minReplicas,
    "scaling.maxReplicas": spec.scaling.maxReplicas,
    "scaling.targetCpuUtilization": spec.scaling.targetCpuUtilization,
    "scaling.targetMemoryUtilization": spec.scaling.targetMemoryUtilization,
    "scaling.autoscalingEnabled": spec.scaling.autoscalingEnabled,
    "scaling.targetGpuUtilization": spec.scaling.targetGpuUtilization,
    "loadBalancer.enabled": spec.loadBalancer.enabled,
    "loadBalancer.algorithm": spec.loadBalancer.algorithm,
    "loadBalancer.healthCheckPath": spec.loadBalancer.healthCheckPath,
    "loadBalancer.healthCheckIntervalSeconds": spec.loadBalancer.healthCheckIntervalSeconds,
    "loadBalancer.stickySessions": spec.loadBalancer.stickySessions,
  };
}

/** Environment variable changes by name only: values may be sensitive and must not reach a channel. */
export function describeEnvChanges(before: readonly EnvironmentVariable[], after: readonly EnvironmentVariable[]): string | undefined {
  const old = new Map(before.map((variable) => [variable.name, JSON.stringify(variable)]));
  const next = new Map(after.map((variable) => [variable.name, JSON.stringify(variable)]));
  const added = [...next.keys()].filter((name) => !old.has(name));
  const removed = [...old.keys()].filter((name) => !next.has(name));
  const changed = [...next.keys()].filter((name) => old.has(name) && old.get(name) !== next.get(name));
  const parts = [
    ...added.map((name) => `+${name}`),
    ...changed.map((name) => `~${name}`),
    ...removed.map((name) => `-${name}`),
  ];
  return parts.length > 0 ? parts.join(" ") : undefined;
}

/** What an edit changes, field by field, in the order of the form. */
export function specChanges(before: DeploymentSpec, after: DeploymentSpec): FieldChange[] {
  const old = scalarFields(before);
  const next = scalarFields(after);
  const changes: FieldChange[] = [];
  for (const path of Object.keys(old)) {
    if (old[path] === next[path]) continue;
    changes.push({ path, label: FIELD_LABELS[path] ?? path, before: display(path, old[path]), after: display(path, next[path]), editability: editabilityOf(path) });
  }
  const env = describeEnvChanges(before.env, after.env);
  if (env) changes.push({ path: "env", label: FIELD_LABELS.env ?? "env", before: `${before.env.length} variables`, after: env, editability: editabilityOf("env") });
  return changes;
}

/** Errors for changes the rules forbid: read-only fields keep their value. */
export function forbiddenChanges(changes: readonly FieldChange[]): FieldError[] {
  return changes
    .filter((change) => change.editability.kind === "read-only")
    .map((change) => ({ path: change.path, message: (change.editability as { reason: string }).reason }));
}

export function needsRestart(changes: readonly FieldChange[]): boolean {
  return changes.some((change) => change.editability.kind === "restart");
}

export type EditValidation = { ok: true; spec: DeploymentSpec; changes: FieldChange[] } | { ok: false; errors: FieldError[] };

/**
 * Validates an edit: the edited fields over the current spec's read-only ones, through the spec
 * schema and the traffic provider's capabilities; an edit must change something.
 */
export function validateEdit(current: DeploymentSpec, edited: Record<string, unknown>, provider: TrafficProviderId): EditValidation {
  const validation = validateDeploymentSpec({
    ...edited,
    name: current.name,
    modelId: current.modelId,
    modelVersion: current.modelVersion,
    environment: current.environment,
  });
  if (!validation.ok) return validation;
  const changes = specChanges(current, validation.spec);
  const errors = [...trafficCapabilityErrors(validation.spec, provider), ...forbiddenChanges(changes)];
  if (errors.length > 0) return { ok: false, errors };
  if (changes.length === 0) return { ok: false, errors: [{ path: "description", message: "Nothing changed: edit a field, or Cancel." }] };
  return { ok: true, spec: validation.spec, changes };
}
