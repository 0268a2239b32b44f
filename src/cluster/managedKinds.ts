/**
 * The object kinds deploybot creates for a deployment. Listing and deleting "everything of a
 * deployment" walks this table, so a kind the renderer starts producing must be added here or it
 * would outlive its deployment.
 */

export interface ManagedKind {
  kind: string;
  apiVersion: string;
  /** API group; "" for the core group. */
  group: string;
  /** Kinds whose group may be absent from a cluster (Istio): skipped when the cluster does not serve it. */
  optional: boolean;
}

/** In deletion order: routing first, then what scales and protects the workload, the workload last. */
export const MANAGED_KINDS: readonly ManagedKind[] = [
  { kind: "VirtualService", apiVersion: "networking.istio.io/v1", group: "networking.istio.io", optional: true },
  { kind: "DestinationRule", apiVersion: "networking.istio.io/v1", group: "networking.istio.io", optional: true },
  { kind: "HorizontalPodAutoscaler", apiVersion: "autoscaling/v2", group: "autoscaling", optional: false },
  { kind: "PodDisruptionBudget", apiVersion: "policy/v1", group: "policy", optional: false },
  { kind: "Service", apiVersion: "v1", group: "", optional: false },
  { kind: "Deployment", apiVersion: "apps/v1", group: "apps", optional: false },
];

export function managedKind(kind: string): ManagedKind | undefined {
  return MANAGED_KINDS.find((k) => k.kind === kind);
}
