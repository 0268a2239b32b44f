/**
 * How many pods each side of a canary runs for a wanted traffic share, and what share that really
 * gives. With exact routing (Istio weights) the share is the weight and the canary only needs
 * enough pods to carry it. Behind a plain Service every ready pod gets about the same share of
 * connections, so the share is the canary's fraction of all pods, and a whole number of pods
 * rarely hits the wanted percentage exactly: callers show `sharePercent`, not the weight.
 */

export interface CanarySplit {
  canaryReplicas: number;
  stableReplicas: number;
  /** The share of requests the canary gets, in whole percent. */
  sharePercent: number;
  exact: boolean;
}

export interface CanarySplitContext {
  /** Replicas the stable slot runs when the update starts. */
  stableReplicas: number;
  /** Istio weights with a load balancer in front: the share is exact. */
  exactWeights: boolean;
  /** Whether the stable slot may be shrunk (not while an HPA owns its replica count). */
  canShrinkStable: boolean;
}

export function canarySplit(weight: number, context: CanarySplitContext): CanarySplit {
  if (!Number.isInteger(weight) || weight < 1 || weight > 100) throw new RangeError(`canary weight must be 1..100, got ${weight}`);
  const stable = Math.max(1, context.stableReplicas);
  if (context.exactWeights) {
    // Size the canary for its share of the load; the stable side keeps full size so a rollback
    // never lacks capacity.
    return { canaryReplicas: Math.max(1, Math.ceil((stable * weight) / 100)), stableReplicas: stable, sharePercent: weight, exact: true };
  }
  if (weight === 100) return { canaryReplicas: stable, stableReplicas: stable, sharePercent: 50, exact: false };
  let canary: number;
  let stableNow = stable;
  if (weight <= 50 || !context.canShrinkStable) {
    // Add canary pods beside a full stable side: c / (s + c) ≈ w. Capped at the stable size, so a
    // late step never doubles the deployment's footprint (the share then tops out at 50%).
    canary = Math.min(stable, Math.max(1, Math.round((stable * weight) / (100 - weight))));
  } else {
    // Past half, keep the canary at full size and shrink the stable side instead.
    canary = stable;
    stableNow = Math.max(1, Math.round((stable * (100 - weight)) / weight));
  }
  return { canaryReplicas: canary, stableReplicas: stableNow, sharePercent: Math.round((100 * canary) / (canary + stableNow)), exact: false };
}
