import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { DeploymentSpec } from "../../domain/deploymentSpec.js";
import { deploymentObjectMetadata, instanceSelector } from "./labels.js";
import type { RenderContext } from "./renderContext.js";

/**
 * Lets node drains evict one pod at a time so a multi-replica model never goes fully down. A single
 * replica gets no budget: `maxUnavailable: 1` would allow its eviction anyway, and anything stricter
 * would block drains forever. The budget spans both slots because both serve during an update.
 */
export function renderPodDisruptionBudget(spec: DeploymentSpec, ctx: RenderContext): V1PodDisruptionBudget | null {
  if (spec.scaling.minReplicas < 2) return null;
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: deploymentObjectMetadata(spec, ctx.namespace),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: instanceSelector(spec.name) },
      // A crash-looping pod is not serving anyway; it must not hold up a node drain.
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}
