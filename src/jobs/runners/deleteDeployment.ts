import type { RunResult, KindRunner, OperationRunContext } from "../runContext.js";

/**
 * Delete: remove every Kubernetes object carrying the deployment's mark (nothing foreign). The runner then
 * removes the stored configuration; operations and revisions stay as its history.
 */
export const deleteDeploymentRunner: KindRunner = {
  async run(context: OperationRunContext): Promise<RunResult> {
    const { deployment, cluster } = context;
    await context.progress({ phase: "applying", detail: "Deleting every object of the deployment" });
    const deleted = await cluster.deleteOwnedObjects(deployment.namespace, context.owner);
    await context.step(deleted.length > 0 ? `Deleted ${deleted.map((object) => `${object.kind} ${object.name}`).join(", ")}` : "No object was left in the cluster");
    return { detail: `*${deployment.name}* is deleted: instances shut down, endpoint and configuration removed.` };
  },
};
