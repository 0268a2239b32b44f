import type { KubernetesObject } from "@kubernetes/client-node";
import type { DeploymentSpec } from "../../domain/deploymentSpec.js";
import type { RolloutStatus } from "../../cluster/rolloutStatus.js";
import { serviceHost } from "../../cluster/render/trafficProvider.js";
import type { OperationRunContext } from "../runContext.js";
import { OperationFailure } from "../operationFailure.js";

/** Extra time past the progress deadline before the bot gives up on a controller that never reports. */
const DEADLINE_GRACE_MS = 60_000;

export function describeObjects(objects: readonly KubernetesObject[]): string {
  return objects.map((object) => `${object.kind} ${object.metadata?.name ?? "?"}`).join(", ");
}

/**
 * Where clients reach the model. With the load balancer the Service listens on port 80; without
 * it the Service is headless, its name resolves to the pods, and clients use the container port.
 */
export function serviceEndpoint(spec: DeploymentSpec, namespace: string, containerPort: number): string {
  const host = serviceHost(spec.name, namespace);
  return spec.loadBalancer.enabled ? `http://${host}` : `http://${host}:${containerPort}`;
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
    timeoutMs: deadlineSeconds * 1000 + DEADLINE_GRACE_MS,
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
      `${kubernetesName} was not ready after ${deadlineSeconds} s (${outcome.status.readyReplicas}/${outcome.status.desiredReplicas} replicas ready)`,
    );
  }
  const { readyReplicas, desiredReplicas, message } = outcome.status;
  const explanation = message ? ` (${message})` : "";
  throw new OperationFailure(
    `Rollout of ${kubernetesName} failed: ${outcome.reason}${explanation} with ${readyReplicas}/${desiredReplicas} replicas ready`,
  );
}
