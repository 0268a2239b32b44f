import type { KubernetesObject } from "@kubernetes/client-node";
import { rolloutDeadlineMs } from "../../domain/rolloutPlan.js";
import type { RolloutStatus } from "../../cluster/rolloutStatus.js";
import type { OperationRunContext } from "../runContext.js";
import { OperationFailure } from "../operationFailure.js";
import { podCause } from "../podCause.js";

export function describeObjects(objects: readonly KubernetesObject[]): string {
  return objects.map((object) => `${object.kind} ${object.metadata?.name ?? "?"}`).join(", ");
}

/**
 * Follows a Deployment's rollout, reporting ready replicas as they change, until it is ready.
 * A rollout that Kubernetes marks ProgressDeadlineExceeded, or that stays silent past the
 * deadline, fails with a message that says so.
 */
export async function followRollout(context: OperationRunContext, kubernetesName: string): Promise<RolloutStatus> {
  const { cluster, deployment, renderContext } = context;
  const deadlineSeconds = renderContext.progressDeadlineSeconds;
  await context.progress({ phase: "rolling-out", detail: `Waiting for ${kubernetesName} to become ready` });
  const outcome = await cluster.watchDeploymentRollout(deployment.namespace, kubernetesName, {
    timeoutMs: rolloutDeadlineMs(deadlineSeconds),
    signal: context.signal,
    onProgress: async (status) => {
      await context.progress({
        phase: "rolling-out",
        readyReplicas: status.readyReplicas,
        desiredReplicas: status.desiredReplicas,
        detail: `${status.readyReplicas}/${status.desiredReplicas} replicas ready`,
      });
    },
  });
  if (outcome.result === "ready") {
    await context.step(`${kubernetesName}: ${outcome.status.readyReplicas}/${outcome.status.desiredReplicas} replicas ready`);
    return outcome.status;
  }
  if (outcome.result === "timeout") {
    throw new OperationFailure(
      `${kubernetesName} was not ready after ${deadlineSeconds} s (${outcome.status.readyReplicas}/${outcome.status.desiredReplicas} replicas ready)${await podCause(context)}`,
    );
  }
  const { readyReplicas, desiredReplicas, message } = outcome.status;
  const explanation = message ? ` (${message})` : "";
  throw new OperationFailure(
    `Rollout of ${kubernetesName} failed: ${outcome.reason}${explanation} with ${readyReplicas}/${desiredReplicas} replicas ready${await podCause(context)}`,
  );
}
