import { fenceOf } from "../../domain/runFence.js";
import { deploymentName } from "../../cluster/render/renderDeployment.js";
import { editParamsSchema } from "../../operations/operationParams.js";
import type { RunResult, KindRunner, OperationRunContext } from "../runContext.js";
import { OperationFailure } from "../operationFailure.js";
import { applyDeploymentState, steadyState } from "./deploymentObjects.js";
import { followRollout } from "./followRollout.js";

function editParams(context: OperationRunContext) {
  const parsed = editParamsSchema.safeParse(context.operation.params);
  if (!parsed.success) throw new OperationFailure("The edit request holds no valid configuration.");
  return parsed.data;
}

/** Replicas stay where they were unless the new bounds exclude them. */
function replicasWithin(replicas: number, min: number, max: number): number {
  return Math.min(Math.max(replicas, min), max);
}

/**
 * Edit: apply the new configuration and, when the pods change, follow the rolling update. The
 * stored configuration changes only once the cluster has it; a failure re-applies the old one.
 * A stopped deployment only has its stored configuration changed: it applies on start.
 */
export const editDeploymentRunner: KindRunner = {
  async run(context: OperationRunContext): Promise<RunResult> {
    const { deployment, deployments } = context;
    const { spec, statusBefore, replicas: adopted, takeOver } = editParams(context);
    const replicas = adopted ?? replicasWithin(deployment.replicas, spec.scaling.minReplicas, spec.scaling.maxReplicas);
    if (statusBefore === "stopped") {
      await deployments.update(deployment.id, { spec, replicas }, fenceOf(context.operation));
      await context.step("Saved the new configuration; it applies when the deployment is started");
      return { detail: `*${deployment.name}* configuration updated. It is stopped: the changes apply on \`/deploy start ${deployment.name}\`.` };
    }
    await context.progress({ phase: "applying", detail: "Applying the new configuration" });
    await applyDeploymentState(context, spec, steadyState(deployment, { replicas }), { takeOver: takeOver === true });
    await context.step("Applied the new configuration");
    const status = await followRollout(context, deploymentName(deployment.name, deployment.activeSlot));
    await deployments.update(deployment.id, { spec, replicas }, fenceOf(context.operation));
    return {
      detail: `*${deployment.name}* updated: ${status.readyReplicas}/${status.desiredReplicas} replicas ready with the new configuration`,
      readyReplicas: status.readyReplicas,
      desiredReplicas: status.desiredReplicas,
    };
  },

  async compensate(context: OperationRunContext): Promise<string[]> {
    if (editParams(context).statusBefore === "stopped") return [];
    const { deployment } = context;
    await applyDeploymentState(context, deployment.spec, steadyState(deployment));
    await context.step("Re-applied the previous configuration");
    return [];
  },
};
