import type { V1Deployment } from "@kubernetes/client-node";

/**
 * Where a Deployment's rollout stands, decided the way `kubectl rollout status` decides it, plus
 * the counts a Slack message shows. Pure: the same object always gives the same answer.
 */
export interface RolloutStatus {
  desiredReplicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  phase: "progressing" | "ready" | "failed";
  /** Set when failed: the Progressing condition's reason (e.g. ProgressDeadlineExceeded). */
  reason?: string;
  message?: string;
}

export type RolloutWatchResult =
  | { result: "ready"; status: RolloutStatus }
  | {
      result: "failed";
      status: RolloutStatus;
      /** `ProgressDeadlineExceeded`, `DeploymentDeleted` or `DeploymentNotFound`. */
      reason: string;
    }
  | { result: "timeout"; status: RolloutStatus };

export function rolloutStatusOf(deployment: V1Deployment): RolloutStatus {
  const name = deployment.metadata?.name ?? "deployment";
  const desiredReplicas = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const counts = {
    desiredReplicas,
    updatedReplicas: status.updatedReplicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
  };
  const totalReplicas = status.replicas ?? 0;

  // Until the controller has seen the latest spec, every other field describes the previous one;
  // a ProgressDeadlineExceeded from an earlier generation must not fail the new rollout.
  const generation = deployment.metadata?.generation ?? 0;
  const observed = status.observedGeneration ?? -1;
  if (observed < generation) {
    return { ...counts, phase: "progressing", message: "Waiting for deployment spec update to be observed" };
  }

  const progressing = status.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return {
      ...counts,
      phase: "failed",
      reason: "ProgressDeadlineExceeded",
      message: progressing.message ?? `deployment "${name}" exceeded its progress deadline`,
    };
  }
  if (counts.updatedReplicas < desiredReplicas) {
    return {
      ...counts,
      phase: "progressing",
      message: `Waiting for rollout to finish: ${counts.updatedReplicas} out of ${desiredReplicas} new replicas have been updated`,
    };
  }
  if (totalReplicas > counts.updatedReplicas) {
    return {
      ...counts,
      phase: "progressing",
      message: `Waiting for rollout to finish: ${totalReplicas - counts.updatedReplicas} old replicas are pending termination`,
    };
  }
  if (counts.readyReplicas < desiredReplicas || counts.availableReplicas < desiredReplicas) {
    return {
      ...counts,
      phase: "progressing",
      message: `Waiting for rollout to finish: ${Math.min(counts.readyReplicas, counts.availableReplicas)} of ${desiredReplicas} updated replicas are available`,
    };
  }
  return { ...counts, phase: "ready", message: `deployment "${name}" successfully rolled out` };
}
