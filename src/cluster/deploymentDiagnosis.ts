import type { DeploymentRecord } from "../domain/deployment.js";
import type { DeploymentSpec } from "../domain/deploymentSpec.js";
import type { DeploymentPods, SecretKeyRef } from "./deploymentPods.js";
import type { PodDiagnosis } from "./podDiagnosis.js";

/**
 * The two things every caller of DeploymentPods needs the deployment's spec for: which Secret
 * values to redact (its secret-backed variables), and the diagnosis with them redacted. One place,
 * so a log tail, a failure message and an alert redact the same values.
 */

export function secretRefsOf(spec: DeploymentSpec): SecretKeyRef[] {
  return spec.env.flatMap((variable) => (variable.kind === "secret" ? [{ secretName: variable.secretName, secretKey: variable.secretKey }] : []));
}

export function redactionValues(pods: DeploymentPods, deployment: Pick<DeploymentRecord, "namespace" | "spec">): Promise<string[]> {
  return pods.readSecretValues(deployment.namespace, secretRefsOf(deployment.spec));
}

export async function diagnoseDeployment(pods: DeploymentPods, deployment: Pick<DeploymentRecord, "name" | "namespace" | "spec">): Promise<PodDiagnosis | undefined> {
  const secrets = await redactionValues(pods, deployment);
  return pods.diagnose({ namespace: deployment.namespace, name: deployment.name }, secrets);
}
