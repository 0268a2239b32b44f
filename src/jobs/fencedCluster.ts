import type { KubernetesCluster } from "../cluster/kubernetesClient.js";

/** The calls that change the cluster: each is made only while the run still holds its operation. */
const CLUSTER_CHANGES: readonly PropertyKey[] = ["apply", "deleteOwnedObjects", "deleteObject", "scaleDeployment"] satisfies readonly (keyof KubernetesCluster)[];

/**
 * The cluster as a run sees it: before each change, `stillCurrent` checks that no newer run (a
 * worker that took the job over after this one's lock expired) or settler holds the operation,
 * and throws StaleRunError when one does. The database writes of a run are fenced in the same
 * statement; a change to the cluster cannot be, so it is checked just before: a stale worker that
 * wakes up stops at its first change instead of undoing what the newer run or a later operation
 * applied. Reads pass through unchecked.
 */
export function fencedCluster(cluster: KubernetesCluster, stillCurrent: (change: string) => Promise<void>): KubernetesCluster {
  return new Proxy(cluster, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!CLUSTER_CHANGES.includes(property)) return method.bind(target);
      return async (...args: unknown[]) => {
        await stillCurrent(`cluster ${String(property)}`);
        return method.apply(target, args);
      };
    },
  });
}
