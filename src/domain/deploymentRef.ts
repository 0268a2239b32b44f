import { SLOTS } from "./slot.js";

/**
 * A deployment as monitoring sees it: where it runs and its deploybot name. Metrics, alerts and
 * Alertmanager payloads only know Kubernetes names (pods, slot Deployments), so this module is
 * also where those names are traced back to the deployment that owns them.
 */
export interface DeploymentRef {
  namespace: string;
  name: string;
}

/** One string per deployment, for maps keyed by deployment. */
export function deploymentKey(ref: DeploymentRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** A DNS-1123 label, as RE2 writes it: any deployment name (without anchors, PromQL anchors regexes). */
export const K8S_NAME_REGEX = "[a-z0-9](?:[-a-z0-9]*[a-z0-9])?";

const SLOT_ALTERNATION = SLOTS.join("|");
const SLOT_WORKLOAD = new RegExp(`^(${K8S_NAME_REGEX})-(?:${SLOT_ALTERNATION})$`);
const SLOT_POD = new RegExp(`^(${K8S_NAME_REGEX})-(?:${SLOT_ALTERNATION})-[a-z0-9]+-[a-z0-9]+$`);

/** `resnet-prod-blue` → `resnet-prod`; undefined for a name that is not a slot's Deployment. */
export function deploymentOfWorkload(workload: string): string | undefined {
  return SLOT_WORKLOAD.exec(workload)?.[1];
}

/** `resnet-prod-blue-5d9c7b-x2x4z` → `resnet-prod`. */
export function deploymentOfPod(pod: string): string | undefined {
  return SLOT_POD.exec(pod)?.[1];
}
