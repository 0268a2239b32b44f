import type { V1Deployment } from "@kubernetes/client-node";
import { rolloutStatusOf, type RolloutStatus } from "./rolloutStatus.js";
import type { ReadinessObservation } from "../domain/rolloutPlan.js";

/**
 * How ready a slot's Deployment is, and whether it has failed. Kubernetes itself only gives up
 * on a rollout at the progress deadline (Progressing=False, ProgressDeadlineExceeded); two other
 * conditions mean failure sooner: ReplicaFailure=True (pods cannot even be created: quota,
 * admission), and, for a slot that was already fully ready, Available=False (its pods passed
 * readiness and then started failing it, which is what a bad model under real traffic does).
 */
export interface SlotReadiness extends ReadinessObservation {
  status: RolloutStatus;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditionOf(deployment: V1Deployment, type: string): Condition | undefined {
  return (deployment.status?.conditions as Condition[] | undefined)?.find((condition) => condition.type === type);
}

function describe(condition: Condition): string {
  const reason = condition.reason ?? condition.type ?? "Failed";
  return condition.message ? `${reason} (${condition.message})` : reason;
}

export function slotReadiness(deployment: V1Deployment | null, options: { name: string; wasReady: boolean }): SlotReadiness {
  if (deployment === null) {
    const status: RolloutStatus = { desiredReplicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, phase: "failed", reason: "DeploymentNotFound" };
    return { readyReplicas: 0, desiredReplicas: 0, failure: `Deployment ${options.name} does not exist`, status };
  }
  const status = rolloutStatusOf(deployment);
  const base = { readyReplicas: status.readyReplicas, desiredReplicas: status.desiredReplicas, status };
  if (status.phase === "failed") return { ...base, failure: describe({ reason: status.reason, message: status.message }) };
  const replicaFailure = conditionOf(deployment, "ReplicaFailure");
  if (replicaFailure?.status === "True") return { ...base, failure: describe(replicaFailure) };
  const available = conditionOf(deployment, "Available");
  if (options.wasReady && available?.status === "False" && status.readyReplicas < status.desiredReplicas) {
    return { ...base, failure: describe(available) };
  }
  return base;
}
