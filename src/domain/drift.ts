import { RESERVED_ENV_VAR_NAMES, type DeploymentSpec, type EnvironmentVariable } from "./deploymentSpec.js";

/**
 * Drift as the bot records it (the cluster finds it, see src/cluster/drift.ts), and Adopt: which
 * drifted fields the spec can express, and the spec (and replica count) that keeps the live
 * values. Pure.
 */

export interface DriftedField {
  kind: string;
  /** The object's name. */
  object: string;
  /** Dotted path: `spec.template.spec.containers[model-server].env[LOG_LEVEL].value`. */
  path: string;
  /** What the stored spec renders; undefined when the bot does not set it (an item added outside). */
  rendered: unknown;
  /** What the cluster holds; undefined when it was removed. */
  live: unknown;
  /** The field manager that changed it last (from managedFields), null when no entry says. */
  manager: string | null;
  /** `Update` (a PATCH/PUT such as kubectl edit) or `Apply` (someone else's server-side apply). */
  operation: string | null;
  /** When that manager last wrote (ISO 8601). */
  time: string | null;
}

export interface MissingObject {
  kind: string;
  name: string;
}

export interface DriftRecord {
  deploymentId: string;
  fields: DriftedField[];
  missing: MissingObject[];
  /** The spec version the live objects were compared with. */
  specVersion: number;
  detectedAt: Date;
  checkedAt: Date;
}

export interface Adoption {
  spec: DeploymentSpec;
  replicas: number;
  /** The drifted fields the result keeps, and those no spec field can hold (by path, for the answer). */
  adopted: DriftedField[];
  notAdoptable: DriftedField[];
}

const CONTAINER = "spec.template.spec.containers[model-server]";
const ENV = new RegExp(`^${escape(CONTAINER)}\\.env\\[([^\\]]+)\\](\\.value)?$`);
const RESOURCE = new RegExp(`^${escape(CONTAINER)}\\.resources\\.(limits|requests)\\.(cpu|memory)$`);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `"2"`, `2`, `"500m"` → cores; undefined for anything else. */
export function coresOf(quantity: unknown): number | undefined {
  const text = String(quantity);
  const milli = /^(\d+)m$/.exec(text);
  if (milli) return Number(milli[1]) / 1000;
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
}

/** `"8Gi"`, `"512Mi"` → GiB; undefined for other units. */
export function gibOf(quantity: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Gi|Mi)$/.exec(String(quantity));
  if (!match) return undefined;
  return match[2] === "Gi" ? Number(match[1]) : Number(match[1]) / 1024;
}

function liveValueOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && "value" in value && typeof value.value === "string") return value.value;
  return undefined;
}

/**
 * The stored spec with the live values of the fields it can express: replicas (without
 * auto-scaling), CPU and memory, plain environment variables (changed, added outside, removed),
 * and the HPA's bounds. Anything else (probes, the image, labels…) is listed as not adoptable.
 */
export function adoptLiveValues(spec: DeploymentSpec, replicas: number, fields: readonly DriftedField[]): Adoption {
  const next: DeploymentSpec = { ...spec, resources: { ...spec.resources }, scaling: { ...spec.scaling }, env: [...spec.env] };
  let nextReplicas = replicas;
  const adopted: DriftedField[] = [];
  const notAdoptable: DriftedField[] = [];
  for (const field of fields) {
    const keep = (): void => void adopted.push(field);
    if (field.kind === "Deployment" && field.path === "spec.replicas" && typeof field.live === "number" && !spec.scaling.autoscalingEnabled) {
      nextReplicas = field.live;
      keep();
      continue;
    }
    if (field.kind === "HorizontalPodAutoscaler" && (field.path === "spec.minReplicas" || field.path === "spec.maxReplicas") && typeof field.live === "number") {
      next.scaling[field.path === "spec.minReplicas" ? "minReplicas" : "maxReplicas"] = field.live;
      keep();
      continue;
    }
    const resource = field.kind === "Deployment" ? RESOURCE.exec(field.path) : null;
    if (resource) {
      const value = resource[2] === "cpu" ? coresOf(field.live) : gibOf(field.live);
      if (value !== undefined) {
        if (resource[2] === "cpu") next.resources.cpuCores = value;
        else next.resources.memoryGb = value;
        keep();
        continue;
      }
    }
    const env = field.kind === "Deployment" ? ENV.exec(field.path) : null;
    if (env && !RESERVED_ENV_VAR_NAMES.includes(env[1] ?? "")) {
      const name = env[1] ?? "";
      const index = next.env.findIndex((variable) => variable.name === name);
      const current = index >= 0 ? next.env[index] : undefined;
      if (field.live === undefined && current !== undefined && env[2] === undefined) {
        next.env.splice(index, 1);
        keep();
        continue;
      }
      const value = liveValueOf(field.live);
      if (value !== undefined && (current === undefined || current.kind === "plain")) {
        const variable: EnvironmentVariable = { kind: "plain", name, value };
        if (index >= 0) next.env[index] = variable;
        else next.env.push(variable);
        keep();
        continue;
      }
    }
    notAdoptable.push(field);
  }
  return { spec: next, replicas: nextReplicas, adopted, notAdoptable };
}

/**
 * Whether a drift record still says something about the deployment as it is: the check compared
 * the spec it has now, after its last change (a Re-apply or Adopt that just finished is not
 * shown as drifted again before the next check), and nothing is running on it.
 */
export function isCurrentDrift(drift: DriftRecord, deployment: { specVersion: number; updatedAt: Date; activeOperationId: string | null }): boolean {
  return deployment.activeOperationId === null && drift.specVersion === deployment.specVersion && drift.checkedAt.getTime() >= deployment.updatedAt.getTime();
}
