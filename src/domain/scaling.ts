import { MAX_REPLICAS, type DeploymentSpec } from "./deploymentSpec.js";

export type ScaleCheck =
  | { allowed: true; confirmation: boolean; consequence?: string }
  | { allowed: false; reason: string };

/**
 * Whether a manual scale to `replicas` may run: never silently clamped. Auto-scaling owns the
 * replica count while it is on; otherwise the count stays within [min, max], except 0, which
 * shuts every instance down and therefore asks for a confirmation.
 */
export function checkScale(name: string, spec: DeploymentSpec, currentReplicas: number, replicas: number): ScaleCheck {
  const { minReplicas, maxReplicas, autoscalingEnabled } = spec.scaling;
  if (autoscalingEnabled) {
    return {
      allowed: false,
      reason: `Auto-scaling owns the replica count of *${name}* (between ${minReplicas} and ${maxReplicas}). Edit its min/max replicas, or turn auto-scaling off with \`/deploy edit ${name}\`.`,
    };
  }
  if (replicas === currentReplicas) return { allowed: false, reason: `*${name}* already runs ${replicas} replica${replicas === 1 ? "" : "s"}.` };
  if (replicas === 0) {
    return {
      allowed: true,
      confirmation: true,
      consequence: "All instances will shut down and the endpoint will become unavailable until you scale up again.",
    };
  }
  if (replicas < minReplicas || replicas > maxReplicas) {
    return {
      allowed: false,
      reason: `*${name}* scales between ${minReplicas} and ${maxReplicas} replicas; ${replicas} is outside. Change min/max with \`/deploy edit ${name}\` first.`,
    };
  }
  return { allowed: true, confirmation: false };
}

/** A replica count as a person types it (a command word, the Scale modal's field): a whole number up to the maximum. */
export function parseReplicaCount(text: string): { ok: true; replicas: number } | { ok: false; problem: "not-a-number" | "too-many"; message: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { ok: false, problem: "not-a-number", message: `Replicas must be a whole number, got \`${trimmed}\`.` };
  const replicas = Number(trimmed);
  if (replicas > MAX_REPLICAS) return { ok: false, problem: "too-many", message: `At most ${MAX_REPLICAS} replicas.` };
  return { ok: true, replicas };
}

/** An alert's "Scale up": one more instance; the scale rules (bounds, auto-scaling) then decide whether it may run. */
export function scaleUpTarget(currentReplicas: number): number {
  return currentReplicas + 1;
}
