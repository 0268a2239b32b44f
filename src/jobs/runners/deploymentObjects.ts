import type { KubernetesObject, V1Service } from "@kubernetes/client-node";
import type { DeletedObject } from "../../cluster/kubernetesClient.js";
import { renderDeploymentObjects, type DeploymentState } from "../../cluster/render/renderDeploymentObjects.js";
import { serviceNeedsReplacement } from "../../cluster/render/renderService.js";
import type { DeploymentSpec } from "../../domain/deploymentSpec.js";
import type { OperationRunContext } from "../runContext.js";

export interface AppliedState {
  applied: KubernetesObject[];
  /** Objects of the deployment that the new state no longer has (an HPA after auto-scaling was turned off). */
  pruned: DeletedObject[];
}

function key(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata?.name ?? ""}`;
}

/**
 * Makes the cluster hold exactly the objects of one deployment state: applies what the state
 * renders and deletes the deployment's own objects (those carrying its mark) it no longer renders. A Service that must change
 * between headless and ClusterIP cannot be patched (clusterIP is immutable), so it is replaced.
 */
export async function applyDeploymentState(
  context: OperationRunContext,
  spec: DeploymentSpec,
  state: DeploymentState,
  /** Only a person's Re-apply takes fields other managers changed (see applyConflict.ts). */
  options: { takeOver?: boolean } = {},
): Promise<AppliedState> {
  const { cluster, deployment, renderContext } = context;
  const { objects } = renderDeploymentObjects(spec, state, renderContext);
  const existing = await cluster.listOwnedObjects(deployment.namespace, context.owner);
  const existingByKey = new Map(existing.map((object) => [key(object), object]));

  for (const desired of objects) {
    const current = existingByKey.get(key(desired));
    if (desired.kind === "Service" && current && serviceNeedsReplacement(current as V1Service, desired as V1Service)) {
      await cluster.deleteObject("Service", deployment.namespace, desired.metadata?.name ?? "", current.metadata?.uid);
      await context.step(`Replacing Service ${desired.metadata?.name ?? ""} (load balancer turned ${spec.loadBalancer.enabled ? "on" : "off"})`);
    }
  }
  // The objects just listed are the deployment's own: their apply needs no ownership read.
  const applied = await cluster.apply(objects, { owner: context.owner, listedOwned: existing, ...(options.takeOver ? { takeOver: true } : {}) });

  const wanted = new Set(objects.map(key));
  const pruned: DeletedObject[] = [];
  for (const object of existing) {
    if (wanted.has(key(object))) continue;
    const kind = object.kind ?? "";
    const name = object.metadata?.name ?? "";
    if (await cluster.deleteObject(kind, deployment.namespace, name, object.metadata?.uid)) pruned.push({ kind, name });
  }
  if (pruned.length > 0) await context.step(`Removed ${pruned.map((object) => `${object.kind} ${object.name}`).join(", ")}`);
  return { applied, pruned };
}

/** The state a deployment runs in when nothing is changing: its active slot at its replica count. */
export function steadyState(deployment: { activeSlot: DeploymentState["activeSlot"]; replicas: number }, overrides: Partial<DeploymentState> = {}): DeploymentState {
  return { activeSlot: deployment.activeSlot, replicas: deployment.replicas, ...overrides };
}
