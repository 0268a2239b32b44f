import type { DeploymentRecord } from "../domain/deployment.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";

export type DeploymentLookup = { ok: true; deployment: DeploymentRecord } | { ok: false; message: string };

/** The one answer to a name that matches no deployment. */
export function noSuchDeployment(name: string): { ok: false; message: string } {
  return { ok: false, message: `There is no deployment named *${name}*. See \`/deploy list\`.` };
}

/** Finds a deployment by the name a person typed or a button carried, or says there is none. */
export async function findDeployment(deployments: DeploymentRepository, name: string): Promise<DeploymentLookup> {
  const deployment = await deployments.findByName(name);
  return deployment ? { ok: true, deployment } : noSuchDeployment(name);
}
