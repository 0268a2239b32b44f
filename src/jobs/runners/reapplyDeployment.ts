import { deploymentName } from "../../cluster/render/renderDeployment.js";
import { isDeploymentStatus } from "../../domain/deploymentStatus.js";
import type { KindRunner, OperationRunContext, RunResult } from "../runContext.js";
import { applyDeploymentState, steadyState } from "./deploymentObjects.js";
import { followRollout } from "./followRollout.js";

/** Whether the deployment was stopped when it drifted or went missing: it is re-applied stopped. */
function wasStopped(context: OperationRunContext): boolean {
  const before = context.operation.params.statusBefore;
  const status = typeof before === "string" && isDeploymentStatus(before) ? before : context.deployment.status;
  return status === "stopped" || (status === "missing" && context.deployment.statusBeforeMissing === "stopped");
}

/**
 * Re-apply: the stored configuration, as it is, onto the cluster again, taking back the fields
 * someone changed outside the bot (forced, on the deployment's own objects only: the apply
 * refuses any object without its mark) and re-creating objects that were deleted.
 */
export const reapplyDeploymentRunner: KindRunner = {
  async run(context: OperationRunContext): Promise<RunResult> {
    const { deployment, cluster } = context;
    const stopped = wasStopped(context);
    await cluster.ensureNamespace(deployment.namespace);
    await context.progress({ phase: "applying", detail: "Re-applying the stored configuration" });
    await applyDeploymentState(context, deployment.spec, steadyState(deployment, stopped ? { stopped: true } : {}), { takeOver: true });
    await context.step("Re-applied the stored configuration, taking back the fields changed outside deploybot");
    const status = await followRollout(context, deploymentName(deployment.name, deployment.activeSlot));
    return {
      detail: `*${deployment.name}* re-applied: the cluster holds the stored configuration again (${status.readyReplicas}/${status.desiredReplicas} ready)`,
      readyReplicas: status.readyReplicas,
      desiredReplicas: status.desiredReplicas,
    };
  },
};
