import {
  ENVIRONMENT_LABELS,
  ENVIRONMENTS,
  GPU_TYPE_LABELS,
  GPU_TYPES,
  LOAD_BALANCING_ALGORITHM_LABELS,
  LOAD_BALANCING_ALGORITHMS,
  MAX_NAME_LENGTH,
  SPEC_NUMBER_BOUNDS,
  type SpecNumberPath,
} from "../../domain/deploymentSpec.js";

/**
 * The fields of the Create/Edit Deployment form, in the guide's order. Each field's block_id is
 * its path in the deployment spec, so a validation error on `scaling.maxReplicas` lands inline
 * on the block of the same name.
 */
export type FormSection = "basic" | "resources" | "scaling" | "loadBalancer" | "environment";
export type FormMode = "create" | "edit";

export type FormValue = string | boolean | undefined;
export type FormValues = Record<string, FormValue>;

interface FieldBase {
  path: string;
  label: string;
  hint?: string;
  placeholder?: string;
  optional?: boolean;
  section: FormSection;
  /** Re-render the form as the user changes this field (it shows or hides others). */
  dispatch?: boolean;
  /** When absent, the field is always shown. */
  visibleWhen?: (values: FormValues) => boolean;
  /** When absent, the field is in both forms. */
  modes?: readonly FormMode[];
  defaultValue?: FormValue;
}

/** A number input's bounds, read from the spec's own table: the form never restates a limit. */
function numberInput(path: SpecNumberPath): { decimal: boolean; min: number; max: number } {
  const bounds: { min: number; max: number; integer?: boolean } = SPEC_NUMBER_BOUNDS[path];
  return { decimal: bounds.integer !== true, min: bounds.min, max: bounds.max };
}

export type FormField =
  | (FieldBase & { kind: "text"; maxLength: number; multiline?: boolean })
  | (FieldBase & { kind: "number"; decimal: boolean; min: number; max: number })
  | (FieldBase & { kind: "select"; options: readonly { value: string; label: string }[] })
  | (FieldBase & { kind: "checkbox"; checkboxLabel: string });

export function gpuRequested(values: FormValues): boolean {
  const count = Number(values["resources.gpuCount"] ?? 0);
  return Number.isFinite(count) && count > 0;
}
const autoscalingOn = (values: FormValues) => values["scaling.autoscalingEnabled"] === true;
const loadBalancerOn = (values: FormValues) => values["loadBalancer.enabled"] === true;

export const SECTION_TITLES: Record<FormSection, string> = {
  basic: "Basic Information",
  resources: "Resource Configuration",
  scaling: "Scaling Configuration",
  loadBalancer: "Load Balancer",
  environment: "Environment Variables",
};

export const DEPLOYMENT_FORM_FIELDS: readonly FormField[] = [
  {
    path: "name",
    label: "Deployment Name",
    kind: "text",
    maxLength: MAX_NAME_LENGTH,
    placeholder: "e.g. resnet-prod, bert-api-v1",
    hint: "Enter a descriptive name: lowercase letters, digits and '-'",
    section: "basic",
  },
  {
    path: "description",
    label: "Description",
    kind: "text",
    multiline: true,
    maxLength: 500,
    placeholder: "Deployment purpose and details",
    optional: true,
    section: "basic",
  },
  { path: "modelId", label: "Model ID", kind: "text", maxLength: 128, placeholder: "e.g. model-001", hint: "ID of the model to deploy", section: "basic" },
  {
    path: "modelVersion",
    label: "Model Version",
    kind: "text",
    maxLength: 64,
    placeholder: "e.g. v2.1.0",
    hint: "Version of the model to deploy",
    section: "basic",
  },
  {
    path: "environment",
    label: "Environment",
    kind: "select",
    options: ENVIRONMENTS.map((value) => ({ value, label: ENVIRONMENT_LABELS[value] })),
    hint: "Select deployment environment",
    defaultValue: "development",
    section: "basic",
  },
  {
    path: "resources.cpuCores",
    label: "CPU Cores",
    kind: "number",
    ...numberInput("resources.cpuCores"),
    placeholder: "e.g. 4, 8, 16",
    hint: "Number of CPU cores per instance",
    section: "resources",
  },
  {
    path: "resources.memoryGb",
    label: "Memory (GB)",
    kind: "number",
    ...numberInput("resources.memoryGb"),
    placeholder: "e.g. 8, 16, 32",
    hint: "Memory allocation per instance in GB (GiB, 1024³ bytes)",
    section: "resources",
  },
  {
    path: "resources.gpuCount",
    label: "GPU Count",
    kind: "number",
    ...numberInput("resources.gpuCount"),
    placeholder: "0",
    hint: "Number of GPUs per instance (0 for none)",
    optional: true,
    dispatch: true,
    defaultValue: "0",
    section: "resources",
  },
  {
    path: "resources.gpuType",
    label: "GPU Type",
    kind: "select",
    options: GPU_TYPES.map((value) => ({ value, label: GPU_TYPE_LABELS[value] })),
    hint: "Select GPU type (GPU Count > 0)",
    visibleWhen: gpuRequested,
    section: "resources",
  },
  {
    path: "resources.storageGb",
    label: "Storage (GB)",
    kind: "number",
    ...numberInput("resources.storageGb"),
    placeholder: "e.g. 200",
    hint: "Local disk per instance for the model cache and scratch files, in GB",
    optional: true,
    defaultValue: "20",
    section: "resources",
  },
  {
    path: "resources.networkBandwidthMbps",
    label: "Network Bandwidth (Mbps)",
    kind: "number",
    ...numberInput("resources.networkBandwidthMbps"),
    placeholder: "e.g. 1000",
    hint: "Per-instance limit; best effort: enforced only where the cluster network supports bandwidth limits",
    optional: true,
    section: "resources",
  },
  {
    path: "scaling.minReplicas",
    label: "Min Replicas",
    kind: "number",
    ...numberInput("scaling.minReplicas"),
    placeholder: "e.g. 1, 2",
    hint: "Minimum number of instances",
    section: "resources",
  },
  {
    path: "scaling.maxReplicas",
    label: "Max Replicas",
    kind: "number",
    ...numberInput("scaling.maxReplicas"),
    placeholder: "e.g. 10, 20",
    hint: "Maximum number of instances",
    section: "resources",
  },
  {
    path: "scaling.targetCpuUtilization",
    label: "Target CPU Utilization (%)",
    kind: "number",
    ...numberInput("scaling.targetCpuUtilization"),
    placeholder: "e.g. 70, 80",
    hint: "CPU threshold for scaling",
    section: "resources",
  },
  {
    path: "scaling.targetMemoryUtilization",
    label: "Target Memory Utilization (%)",
    kind: "number",
    ...numberInput("scaling.targetMemoryUtilization"),
    placeholder: "e.g. 80, 90",
    hint: "Memory threshold for scaling",
    section: "resources",
  },
  {
    path: "scaling.autoscalingEnabled",
    label: "Auto-Scaling",
    kind: "checkbox",
    checkboxLabel: "Enable Auto-Scaling",
    hint: "Enable automatic scaling based on metrics",
    optional: true,
    dispatch: true,
    section: "scaling",
  },
  {
    path: "scaling.targetGpuUtilization",
    label: "Target GPU Utilization (%)",
    kind: "number",
    ...numberInput("scaling.targetGpuUtilization"),
    placeholder: "e.g. 80",
    hint: "GPU threshold for scaling (needs the cluster's GPU metrics adapter)",
    optional: true,
    visibleWhen: (values) => autoscalingOn(values) && gpuRequested(values),
    section: "scaling",
  },
  {
    path: "loadBalancer.enabled",
    label: "Load Balancer",
    kind: "checkbox",
    checkboxLabel: "Enable Load Balancer",
    hint: "Enable load balancing across instances",
    optional: true,
    dispatch: true,
    section: "loadBalancer",
  },
  {
    path: "loadBalancer.algorithm",
    label: "Load Balancing Algorithm",
    kind: "select",
    options: LOAD_BALANCING_ALGORITHMS.map((value) => ({ value, label: LOAD_BALANCING_ALGORITHM_LABELS[value] })),
    defaultValue: "round-robin",
    visibleWhen: loadBalancerOn,
    section: "loadBalancer",
  },
  {
    path: "loadBalancer.healthCheckPath",
    label: "Health Check URL",
    kind: "text",
    maxLength: 200,
    placeholder: "e.g. /health",
    hint: "Endpoint for health checks",
    defaultValue: "/health",
    visibleWhen: loadBalancerOn,
    section: "loadBalancer",
  },
  {
    path: "loadBalancer.healthCheckIntervalSeconds",
    label: "Health Check Interval (seconds)",
    kind: "number",
    ...numberInput("loadBalancer.healthCheckIntervalSeconds"),
    placeholder: "e.g. 30",
    hint: "Frequency of health checks",
    defaultValue: "30",
    visibleWhen: loadBalancerOn,
    section: "loadBalancer",
  },
  {
    path: "loadBalancer.stickySessions",
    label: "Sticky Sessions",
    kind: "checkbox",
    checkboxLabel: "Enable session affinity",
    optional: true,
    visibleWhen: loadBalancerOn,
    section: "loadBalancer",
  },
  {
    path: "env",
    label: "Environment Variables",
    kind: "text",
    multiline: true,
    maxLength: 3000,
    placeholder: "LOG_LEVEL=info\nHF_TOKEN=secret:huggingface/token",
    hint: "One NAME=value per line. For secrets write NAME=secret:<secret-name>/<key>: the value stays in the Kubernetes Secret.",
    optional: true,
    modes: ["edit"],
    section: "environment",
  },
];

export function isVisible(field: FormField, values: FormValues, mode: FormMode = "create"): boolean {
  if (field.modes && !field.modes.includes(mode)) return false;
  return field.visibleWhen ? field.visibleWhen(values) : true;
}

/** The action_id of a form field's element; Bolt routes re-render actions by its prefix. */
export const FORM_ACTION_PREFIX = "deployment-form:";
export function formActionId(field: FormField): string {
  return `${FORM_ACTION_PREFIX}${field.path}`;
}

export function defaultFormValues(): FormValues {
  return Object.fromEntries(DEPLOYMENT_FORM_FIELDS.map((field) => [field.path, field.defaultValue]));
}
