import { z } from "zod";
import { ENVIRONMENTS, type Environment } from "../domain/deploymentSpec.js";

/**
 * Which kubeconfig context serves each environment, from DEPLOYBOT_KUBE_CONTEXT_DEVELOPMENT,
 * _STAGING and _PRODUCTION. An unset or empty variable means the kubeconfig's current context, so
 * a single-cluster install sets none of them; production on its own cluster sets one.
 */

const CONTEXT_NAME_ERROR = "must be a kubeconfig context name (no spaces)";

const contextName = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .pipe(z.string().regex(/^\S+$/, { error: CONTEXT_NAME_ERROR }).optional())
  .optional();

export const kubeContextEnvironmentSchema = z.object({
  DEPLOYBOT_KUBE_CONTEXT_DEVELOPMENT: contextName,
  DEPLOYBOT_KUBE_CONTEXT_STAGING: contextName,
  DEPLOYBOT_KUBE_CONTEXT_PRODUCTION: contextName,
});

/** A context name per environment; undefined means the kubeconfig's current context. */
export type KubeContexts = Record<Environment, string | undefined>;

export const KUBE_CONTEXT_VARIABLES: Record<Environment, keyof z.infer<typeof kubeContextEnvironmentSchema>> = {
  development: "DEPLOYBOT_KUBE_CONTEXT_DEVELOPMENT",
  staging: "DEPLOYBOT_KUBE_CONTEXT_STAGING",
  production: "DEPLOYBOT_KUBE_CONTEXT_PRODUCTION",
};

export class KubeContextConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Kubernetes context settings have problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "KubeContextConfigError";
  }
}

/** Reads the three variables from an environment (e.g. process.env); other variables are ignored. */
export function parseKubeContexts(env: Record<string, string | undefined>): KubeContexts {
  const result = kubeContextEnvironmentSchema.safeParse(env);
  if (!result.success) {
    throw new KubeContextConfigError(result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`));
  }
  const values = result.data;
  return Object.fromEntries(ENVIRONMENTS.map((environment) => [environment, values[KUBE_CONTEXT_VARIABLES[environment]]])) as KubeContexts;
}
