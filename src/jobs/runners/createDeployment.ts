import { renderDeploymentObjects } from "../../cluster/render/renderDeploymentObjects.js";
import { deploymentName } from "../../cluster/render/renderDeployment.js";
import type { RunResult, KindRunner, OperationRunContext } from "../runContext.js";
import { describeObjects, followRollout } from "./followRollout.js";
import { serviceEndpoint } from "../../cluster/render/renderService.js";

/**
 * Create: make sure the namespace exists, apply every object of the deployment with server-side
 * apply, then follow the model-server rollout until all replicas are ready. On failure every
 * object carrying the deployment's mark is deleted, so a failed create leaves nothing of its own
 * behind and touches nothing else (an object of the same name that is not the bot's is refused by
 * the apply and left as it was).
 */
export const createDeploymentRunner: KindRunner = {
  async run(context: OperationRunContext): Promise<RunResult> {
    const { deployment, cluster, renderContext } = context;
    await cluster.ensureNamespace(deployment.namespace);
    const { objects } = renderDeploymentObjects(
      deployment.spec,
      { activeSlot: deployment.activeSlot, replicas: deployment.replicas },
      renderContext,
    );
    await context.progress({ phase: "applying", detail: `Applying ${objects.length} objects to namespace ${deployment.namespace}` });
    await cluster.apply(objects, { owner: context.owner });
    await context.step(`Applied ${describeObjects(objects)}`);

    const status = await followRollout(context, deploymentName(deployment.name, deployment.activeSlot));
    return {
      detail: `*${deployment.name}* is live: ${status.readyReplicas}/${status.desiredReplicas} ready at \`${serviceEndpoint(deployment.spec, deployment.namespace, renderContext.containerPort)}\``,
      readyReplicas: status.readyReplicas,
      desiredReplicas: status.desiredReplicas,
    };
  },

  async compensate(context: OperationRunContext): Promise<string[]> {
    const { deployment, cluster } = context;
    const deleted = await cluster.deleteOwnedObjects(deployment.namespace, context.owner);
    const names = deleted.map((object) => `${object.kind} ${object.name}`);
    await context.step(names.length > 0 ? `Cleaned up ${names.join(", ")}` : "Nothing to clean up in the cluster");
    return names;
  },
};
