import type { DeploymentRecord } from "../../domain/deployment.js";
import { ENVIRONMENT_LABELS, type DeploymentSpec } from "../../domain/deploymentSpec.js";
import { editabilityOf } from "../../domain/editability.js";
import { formatEnvironmentVariables } from "../../domain/environmentVariablesText.js";
import { DEPLOYMENT_FORM_FIELDS, type FormValues } from "./deploymentFormFields.js";

/** The form's values for a stored spec (the edit form starts from them). */
export function specToFormValues(spec: DeploymentSpec): FormValues {
  const values: FormValues = {};
  for (const field of DEPLOYMENT_FORM_FIELDS) {
    if (field.path === "env") {
      values.env = formatEnvironmentVariables(spec.env);
      continue;
    }
    let value: unknown = spec;
    for (const key of field.path.split(".")) value = (value as Record<string, unknown> | undefined)?.[key];
    values[field.path] = typeof value === "boolean" ? value : value === undefined ? undefined : String(value);
  }
  return values;
}

/** Read-only fields of the edit form, with what they hold and why they cannot change (the domain's editability table). */
export function readOnlyFields(deployment: DeploymentRecord): Record<string, { value: string; reason: string }> {
  const shown: Record<string, string> = {
    name: deployment.name,
    modelId: deployment.spec.modelId,
    modelVersion: deployment.spec.modelVersion,
    environment: ENVIRONMENT_LABELS[deployment.spec.environment],
  };
  const result: Record<string, { value: string; reason: string }> = {};
  for (const [path, value] of Object.entries(shown)) {
    const rule = editabilityOf(path);
    if (rule.kind === "read-only") result[path] = { value, reason: rule.reason };
  }
  return result;
}
