import type { Environment, DeploymentSpec, FieldError } from "./deploymentSpec.js";

/**
 * What each environment asks of a change: how many approvals, for how long a request stays
 * open, where requests are also posted, quotas, and whether a canary waits for an approver at
 * each step. Stored per environment by admins; what is not stored takes these defaults.
 */
export interface EnvironmentRules {
  requiredApprovals: number;
  approvalTtlMinutes: number;
  approversChannelId: string | null;
  maxReplicas: number | null;
  maxGpusPerDeployment: number | null;
  canaryStepApproval: boolean;
}

export const MAX_REQUIRED_APPROVALS = 5;
export const DEFAULT_APPROVAL_TTL_MINUTES = 24 * 60;

export function defaultEnvironmentRules(environment: Environment): EnvironmentRules {
  return {
    requiredApprovals: environment === "production" ? 1 : 0,
    approvalTtlMinutes: DEFAULT_APPROVAL_TTL_MINUTES,
    approversChannelId: null,
    maxReplicas: null,
    maxGpusPerDeployment: null,
    canaryStepApproval: false,
  };
}

/** Stored settings over the defaults: a null column means "the default". */
export function effectiveRules(environment: Environment, stored: { [K in keyof EnvironmentRules]?: EnvironmentRules[K] | null } | null): EnvironmentRules {
  const rules = defaultEnvironmentRules(environment);
  if (!stored) return rules;
  return {
    requiredApprovals: stored.requiredApprovals ?? rules.requiredApprovals,
    approvalTtlMinutes: stored.approvalTtlMinutes ?? rules.approvalTtlMinutes,
    approversChannelId: stored.approversChannelId ?? rules.approversChannelId,
    maxReplicas: stored.maxReplicas ?? rules.maxReplicas,
    maxGpusPerDeployment: stored.maxGpusPerDeployment ?? rules.maxGpusPerDeployment,
    canaryStepApproval: stored.canaryStepApproval ?? rules.canaryStepApproval,
  };
}

/** A spec over the environment's quotas, refused on the field that carries the number (the form shows it there). */
export function quotaErrors(spec: Pick<DeploymentSpec, "environment" | "resources" | "scaling">, rules: EnvironmentRules): FieldError[] {
  const errors: FieldError[] = [];
  if (rules.maxGpusPerDeployment !== null && spec.resources.gpuCount > rules.maxGpusPerDeployment) {
    errors.push({ path: "resources.gpuCount", message: `${spec.environment} allows at most ${rules.maxGpusPerDeployment} GPUs per instance.` });
  }
  if (rules.maxReplicas !== null) {
    for (const path of ["minReplicas", "maxReplicas"] as const) {
      if (spec.scaling[path] > rules.maxReplicas) {
        errors.push({ path: `scaling.${path}`, message: `${spec.environment} allows at most ${rules.maxReplicas} replicas per deployment.` });
      }
    }
  }
  return errors;
}

export function scaleQuotaRefusal(environment: Environment, replicas: number, rules: EnvironmentRules): string | undefined {
  if (rules.maxReplicas === null || replicas <= rules.maxReplicas) return undefined;
  return `${environment} allows at most ${rules.maxReplicas} replicas per deployment.`;
}
