import { deploymentName } from "../../cluster/render/renderDeployment.js";
import type { RunResult, KindRunner, OperationRunContext } from "../runContext.js";
import { applyDeploymentState, steadyState } from "./deploymentObjects.js";
import { followRollout } from "./followRollout.js";
import { serviceEndpoint } from "../../cluster/render/renderService.js";

/**
 * Stop: scale the model server to zero and remove the HPA (it would scale it back) and the PDB.
 * The stored configuration and replica count stay, so start brings back exactly what ran.
 */
export const stopDeploymentRunner: KindRunner = {
  async run(context: OperationRunContext): Promise<RunResult> {
    const { deployment } = context;
    await context.progress({ phase: "applying", detail: "Shutting down all instances" });
    await applyDeploymentState(context, deployment.spec, steadyState(deployment, { stopped: true }));
    await context.step("Scaled to 0 and removed auto-scaling while stopped");
    await followRollout(context, deploymentName(deployment.name, deployment.activeSlot));
    return {
      detail: `*${deployment.name}* is stopped: all instances shut down, the endpoint is unavailable. \`/deploy start ${deployment.name}\` resumes it.`,
      readyReplicas: 0,
      desiredReplicas: 0,
    };
  },
};

/** Start: apply the stored configuration again at the stored replica count and follow it to ready. */
export const startDeploymentRunner: KindRunner = {
  async run(context: OperationRunContext): Promise<RunResult> {
    const { deployment, cluster, renderContext } = context;
    await cluster.ensureNamespace(deployment.namespace);
    await context.progress({ phase: "applying", detail: "Starting with the previous configuration" });
    await applyDeploymentState(context, deployment.spec, steadyState(deployment));
    await context.step("Applied the stored configuration");
    const status = await followRollout(context, deploymentName(deployment.name, deployment.activeSlot));
    return {
      detail: `*${deployment.name}* is live again: ${status.readyReplicas}/${status.desiredReplicas} ready at \`${serviceEndpoint(deployment.spec, deployment.namespace, renderContext.containerPort)}\``,
      readyReplicas: status.readyReplicas,
      desiredReplicas: status.desiredReplicas,
    };
  },
};
