import { z } from "zod";
import { numberField, optionalNumberField, type NumberBounds } from "./numberField.js";

/**
 * The deployment spec: every field of the guide's "Creating a Deployment" form and details panel,
 * as one zod schema. The Slack modal, the store and the renderers all use this schema, so a value
 * that passes here is one the cluster layer can render without further checks.
 */

export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const ENVIRONMENT_LABELS: Record<Environment, string> = {
  development: "Development",
  staging: "Staging",
  production: "Production",
};

export const GPU_TYPES = ["nvidia-t4", "nvidia-v100", "nvidia-a100"] as const;
export type GpuType = (typeof GPU_TYPES)[number];
export const GPU_TYPE_LABELS: Record<GpuType, string> = {
  "nvidia-t4": "NVIDIA T4",
  "nvidia-v100": "NVIDIA V100",
  "nvidia-a100": "NVIDIA A100",
};

export const LOAD_BALANCING_ALGORITHMS = ["round-robin", "least-connections", "ip-hash"] as const;
export type LoadBalancingAlgorithm = (typeof LOAD_BALANCING_ALGORITHMS)[number];
export const LOAD_BALANCING_ALGORITHM_LABELS: Record<LoadBalancingAlgorithm, string> = {
  "round-robin": "Round Robin",
  "least-connections": "Least Connections",
  "ip-hash": "IP Hash",
};

/** Longest deployment name: derived object names (`<name>-canary`, `<name>-green`) must stay within 63. */
export const MAX_NAME_LENGTH = 40;
export const MAX_REPLICAS = 100;
export const MAX_GPUS = 8;

function requiredText(label: string, max: number) {
  return z
    .string({ error: `${label} is required.` })
    .trim()
    .min(1, { error: `${label} is required.` })
    .max(max, { error: `${label} must be at most ${max} characters.` });
}

/** A DNS-1035 label: what Kubernetes accepts as a Service name, the strictest of the objects we create. */
export const deploymentNameSchema = requiredText("Deployment name", MAX_NAME_LENGTH).regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, {
  error:
    "Deployment name must use lowercase letters, digits and '-', start with a letter and end with a letter or digit (e.g. resnet-prod).",
});

export const modelVersionSchema = requiredText("Model version", 64).regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, {
  error: "Model version may contain letters, digits, '.', '_', '+' and '-' (e.g. v2.1.0).",
});

const modelIdSchema = requiredText("Model ID", 128).regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, {
  error: "Model ID may contain letters, digits, '.', '_', '/' and '-' (e.g. model-001).",
});

/** Set by the bot on every model server from the deployment's model id and version. */
export const RESERVED_ENV_VAR_NAMES: readonly string[] = ["MODEL_ID", "MODEL_VERSION"];

export const ENV_VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A plain value is stored and shown; a secret is only a reference to a Kubernetes Secret key, never a value. */
export const environmentVariableSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("plain"),
    name: z.string().regex(ENV_VAR_NAME_PATTERN, { error: "Variable names use letters, digits and '_', not starting with a digit." }),
    value: z.string().max(4096, { error: "A variable value must be at most 4096 characters." }),
  }),
  z.object({
    kind: z.literal("secret"),
    name: z.string().regex(ENV_VAR_NAME_PATTERN, { error: "Variable names use letters, digits and '_', not starting with a digit." }),
    secretName: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "Secret names are lowercase DNS names." }),
    secretKey: z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: "Secret keys use letters, digits, '-', '_' and '.'." }),
  }),
]);
export type EnvironmentVariable = z.infer<typeof environmentVariableSchema>;

/**
 * The bounds of every number in a spec, by its path: the schema validates with them and the
 * form shows them (and sets its inputs' min/max from them), so the two cannot drift apart.
 */
export const SPEC_NUMBER_BOUNDS = {
  "resources.cpuCores": { min: 0.1, max: 96 },
  "resources.memoryGb": { min: 0.25, max: 1024, unit: "GB" },
  "resources.gpuCount": { min: 0, max: MAX_GPUS, integer: true },
  "resources.storageGb": { min: 1, max: 10_000, integer: true, unit: "GB" },
  "resources.networkBandwidthMbps": { min: 1, max: 100_000, integer: true, unit: "Mbps" },
  "scaling.minReplicas": { min: 1, max: MAX_REPLICAS, integer: true },
  "scaling.maxReplicas": { min: 1, max: MAX_REPLICAS, integer: true },
  "scaling.targetCpuUtilization": { min: 1, max: 100, integer: true, unit: "%" },
  "scaling.targetMemoryUtilization": { min: 1, max: 100, integer: true, unit: "%" },
  "scaling.targetGpuUtilization": { min: 1, max: 100, integer: true, unit: "%" },
  "loadBalancer.healthCheckIntervalSeconds": { min: 1, max: 300, integer: true, unit: "seconds" },
} as const satisfies Record<string, NumberBounds>;
export type SpecNumberPath = keyof typeof SPEC_NUMBER_BOUNDS;

/** Names that announce a credential (`HF_TOKEN`, `DB_PASSWORD`, `api_key`), in any case. */
const CREDENTIAL_NAME_PATTERN = /(?:TOKEN|SECRET|PASSWORD|KEY)$/i;

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME_PATTERN.test(name);
}

/**
 * A credential typed as a plain value would be stored in the database and shown in Slack; it must
 * be a reference to a Kubernetes Secret instead. Only submissions are checked (stored specs are
 * read with the schema alone), so an older deployment stays readable and is fixed on its next edit.
 */
export function credentialVariableProblem(variable: EnvironmentVariable): string | undefined {
  if (variable.kind !== "plain" || !isCredentialName(variable.name)) return undefined;
  return `${variable.name} looks like a credential: its value must not pass through Slack. Put it in a Kubernetes Secret and write ${variable.name}=secret:<secret-name>/<key>.`;
}


export const resourcesSchema = z.object({
  cpuCores: numberField("CPU cores", SPEC_NUMBER_BOUNDS["resources.cpuCores"]),
  memoryGb: numberField("Memory", SPEC_NUMBER_BOUNDS["resources.memoryGb"]),
  gpuCount: optionalNumberField("GPU count", SPEC_NUMBER_BOUNDS["resources.gpuCount"]).transform((v) => v ?? 0),
  gpuType: z.enum(GPU_TYPES, { error: "Choose a GPU type from the list." }).optional(),
  storageGb: optionalNumberField("Storage", SPEC_NUMBER_BOUNDS["resources.storageGb"]).transform((v) => v ?? 20),
  networkBandwidthMbps: optionalNumberField("Network bandwidth", SPEC_NUMBER_BOUNDS["resources.networkBandwidthMbps"]),
});

export const scalingSchema = z.object({
  minReplicas: numberField("Min replicas", SPEC_NUMBER_BOUNDS["scaling.minReplicas"]),
  maxReplicas: numberField("Max replicas", SPEC_NUMBER_BOUNDS["scaling.maxReplicas"]),
  targetCpuUtilization: numberField("Target CPU utilization", SPEC_NUMBER_BOUNDS["scaling.targetCpuUtilization"]),
  targetMemoryUtilization: numberField("Target memory utilization", SPEC_NUMBER_BOUNDS["scaling.targetMemoryUtilization"]),
  autoscalingEnabled: z.boolean().default(false),
  targetGpuUtilization: z.preprocess(
    (value) => (value === null || (typeof value === "string" && value.trim() === "") ? undefined : value),
    numberField("Target GPU utilization", SPEC_NUMBER_BOUNDS["scaling.targetGpuUtilization"]).optional(),
  ),
});

export const loadBalancerSchema = z.object({
  enabled: z.boolean().default(false),
  algorithm: z.enum(LOAD_BALANCING_ALGORITHMS, { error: "Choose a load balancing algorithm." }).default("round-robin"),
  healthCheckPath: requiredText("Health check path", 200)
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, { error: "Health check path must start with '/' (e.g. /health)." })
    .default("/health"),
  healthCheckIntervalSeconds: numberField("Health check interval", SPEC_NUMBER_BOUNDS["loadBalancer.healthCheckIntervalSeconds"]).default(30),
  stickySessions: z.boolean().default(false),
});

export const deploymentSpecSchema = z
  .object({
    name: deploymentNameSchema,
    description: z.string().trim().max(500, { error: "Description must be at most 500 characters." }).default(""),
    modelId: modelIdSchema,
    modelVersion: modelVersionSchema,
    environment: z.enum(ENVIRONMENTS, { error: "Choose Development, Staging or Production." }).default("development"),
    resources: resourcesSchema,
    scaling: scalingSchema,
    loadBalancer: loadBalancerSchema.default({
      enabled: false,
      algorithm: "round-robin",
      healthCheckPath: "/health",
      healthCheckIntervalSeconds: 30,
      stickySessions: false,
    }),
    env: z.array(environmentVariableSchema).max(50, { error: "At most 50 environment variables." }).default([]),
  })
  .superRefine((spec, ctx) => {
    if (spec.scaling.minReplicas > spec.scaling.maxReplicas) {
      ctx.addIssue({
        code: "custom",
        path: ["scaling", "maxReplicas"],
        message: `Max replicas (${spec.scaling.maxReplicas}) must be at least min replicas (${spec.scaling.minReplicas}).`,
      });
    }
    if (spec.resources.gpuCount > 0 && !spec.resources.gpuType) {
      ctx.addIssue({ code: "custom", path: ["resources", "gpuType"], message: "Choose a GPU type: GPU count is above 0." });
    }
    if (spec.resources.gpuCount === 0 && spec.resources.gpuType) {
      ctx.addIssue({ code: "custom", path: ["resources", "gpuType"], message: "GPU type only applies when GPU count is above 0." });
    }
    if (spec.scaling.targetGpuUtilization !== undefined && spec.resources.gpuCount === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["scaling", "targetGpuUtilization"],
        message: "Target GPU utilization only applies when GPU count is above 0.",
      });
    }
    const names = new Set<string>();
    spec.env.forEach((variable, index) => {
      if (RESERVED_ENV_VAR_NAMES.includes(variable.name)) {
        ctx.addIssue({ code: "custom", path: ["env", index, "name"], message: `${variable.name} is set by deploybot from the model; choose another name.` });
      }
      if (names.has(variable.name)) {
        ctx.addIssue({ code: "custom", path: ["env", index, "name"], message: `Variable ${variable.name} is defined twice.` });
      }
      names.add(variable.name);
    });
  });

export type DeploymentSpec = z.output<typeof deploymentSpecSchema>;
export type DeploymentSpecInput = z.input<typeof deploymentSpecSchema>;

export interface FieldError {
  /** Dotted path into the spec, e.g. `scaling.maxReplicas`: the Slack modal uses the same string as block_id. */
  path: string;
  message: string;
}

export type SpecValidation = { ok: true; spec: DeploymentSpec } | { ok: false; errors: FieldError[] };

/** Validates a spec and reports the first problem per field, in words meant for the person who typed it. */
export function validateDeploymentSpec(input: unknown): SpecValidation {
  const result = deploymentSpecSchema.safeParse(input);
  if (result.success) {
    const credentials = result.data.env.flatMap((variable, index) => {
      const message = credentialVariableProblem(variable);
      return message ? [{ path: `env.${index}.value`, message }] : [];
    });
    return credentials.length > 0 ? { ok: false, errors: credentials } : { ok: true, spec: result.data };
  }
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join(".");
    if (seen.has(path)) continue;
    seen.add(path);
    errors.push({ path, message: issue.message });
  }
  return { ok: false, errors };
}

/** Replica count a deployment runs at when nothing else decides it: the minimum. */
export function initialReplicas(spec: DeploymentSpec): number {
  return spec.scaling.minReplicas;
}
