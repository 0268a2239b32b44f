import { SLOTS } from "./labels.js";
import { deploymentName } from "./renderDeployment.js";

/**
 * Every name an object of `kind` may take for a deployment over its life: the two slot Deployments,
 * and the deployment's own name for everything else (Service, HPA, PDB, traffic policy). A new
 * deployment must find all of them free, even the ones it renders only later (the second slot, an
 * HPA once auto-scaling is turned on).
 */
export function objectNamesFor(kind: string, name: string): string[] {
  return kind === "Deployment" ? SLOTS.map((slot) => deploymentName(name, slot)) : [name];
}
