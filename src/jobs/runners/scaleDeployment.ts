import { fenceOf } from "../../domain/runFence.js";
import { scaleParamsSchema } from "../../operations/operationParams.js";
import { deploymentName } from "../../cluster/render/renderDeployment.js";
import type { RunResult, KindRunner, OperationRunContext } from "../runContext.js";
import { OperationFailure } from "../operationFailure.js";
import { applyDeploymentState, steadyState } from "./deploymentObjects.js";
import { followRollout } from "./followRollout.js";

function requestedReplicas(context: OperationRunContext): number {
  const parsed = scaleParamsSchema.safeParse(context.operation.params);
  if (!parsed.success) throw new OperationFailure("The scale request holds no replica count.");
  return parsed.data.replicas;
}

/** Scale: set the replica count and wait until that many are ready (or all are gone). */
export const scaleDeploymentRunner: KindRunner = {
  async run(context: OperationRunContext): Promise<RunResult> {
    const { deployment, deployments } = context;
    const replicas = requestedReplicas(context);
    await context.progress({ phase: "applying", detail: `Scaling from ${deployment.replicas} to ${replicas} replicas` });
    await applyDeploymentState(context, deployment.spec, steadyState(deployment, { replicas }));
    await context.step(`Set ${deploymentName(deployment.name, deployment.activeSlot)} to ${replicas} replicas`);
    const status = await followRollout(context, deploymentName(deployment.name, deployment.activeSlot));
    await deployments.update(deployment.id, { replicas }, fenceOf(context.operation));
    return {
      detail: replicas === 0 ? `*${deployment.name}* scaled to 0: no instance runs` : `*${deployment.name}* scaled to ${status.readyReplicas}/${replicas} ready`,
      readyReplicas: status.readyReplicas,
      desiredReplicas: status.desiredReplicas,
    };
  },

  async compensate(context: OperationRunContext): Promise<string[]> {
    await applyDeploymentState(context, context.deployment.spec, steadyState(context.deployment));
    await context.step(`Restored ${context.deployment.replicas} replicas`);
    return [];
  },
};
