import type { KubernetesObject, V1Service } from "@kubernetes/client-node";
import type { DryRunAppliedObject } from "./kubernetesClient.js";
import { describeObjectChange, type ObjectChange } from "./objectDiff.js";
import { serviceNeedsReplacement } from "./render/renderService.js";

/**
 * `--dry-run` for every changing command: what applying a set of objects (and pruning the
 * deployment's objects it no longer has) or deleting a deployment would do, asked of the API
 * server with dry-run requests, so nothing in the cluster changes.
 */

/** The part of KubernetesCluster a preview needs; a narrow port keeps this testable and read-only. */
export interface PreviewCluster {
  dryRunApply(objects: readonly KubernetesObject[]): Promise<DryRunAppliedObject[]>;
  listManagedObjects(namespace: string, labels: Record<string, string>): Promise<KubernetesObject[]>;
}

/** The objects of one deployment: the ones found here and not applied are the ones an apply prunes. */
export interface PruneSet {
  namespace: string;
  labels: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; lists and scalars of `overlay` replace those of `base`. */
function overlay(base: unknown, top: unknown): unknown {
  if (!isRecord(base) || !isRecord(top)) return top === undefined ? base : top;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) merged[key] = overlay(base[key], value);
  return merged;
}

/**
 * A replaced Service's "after" without asking the server: the live Service with the rendered
 * fields laid over it, minus the allocated cluster IPs the recreation gives up. Starting from the
 * live object keeps the server's defaults out of the diff.
 */
function replacementOf(live: KubernetesObject, desired: KubernetesObject): KubernetesObject {
  const base = JSON.parse(JSON.stringify(live)) as KubernetesObject & { spec?: Record<string, unknown> };
  if (base.spec !== undefined) {
    delete base.spec.clusterIP;
    delete base.spec.clusterIPs;
  }
  return overlay(base, JSON.parse(JSON.stringify(desired))) as KubernetesObject;
}

function keyOf(object: KubernetesObject): string {
  return `${object.kind ?? ""}/${object.metadata?.name ?? ""}`;
}

/**
 * What applying `objects` would do, in their order, followed by the prune set's objects that
 * `objects` no longer contain (as deleted). Mirrors how the jobs apply a deployment state: a
 * Service that turns headless or back cannot be patched (clusterIP is immutable) and is replaced;
 * its "after" is built locally (see replacementOf), since a dry-run apply of it would be refused.
 */
export async function previewApply(
  cluster: PreviewCluster,
  objects: readonly KubernetesObject[],
  prune?: PruneSet,
): Promise<ObjectChange[]> {
  const existing = prune === undefined ? [] : await cluster.listManagedObjects(prune.namespace, prune.labels);
  const existingByKey = new Map(existing.map((object) => [keyOf(object), object]));
  const replaced = new Set(
    objects
      .filter((desired) => {
        const current = existingByKey.get(keyOf(desired));
        return desired.kind === "Service" && current !== undefined && serviceNeedsReplacement(current as V1Service, desired as V1Service);
      })
      .map(keyOf),
  );

  const applied = await cluster.dryRunApply(objects.filter((object) => !replaced.has(keyOf(object))));
  const appliedByKey = new Map(applied.map((result) => [keyOf(result.after), result]));
  const changes: ObjectChange[] = [];
  for (const desired of objects) {
    const key = keyOf(desired);
    const result = appliedByKey.get(key);
    const live = existingByKey.get(key);
    if (result !== undefined) changes.push(describeObjectChange(result.live, result.after));
    else if (live !== undefined) changes.push(describeObjectChange(live, replacementOf(live, desired), { replaced: true }));
  }
  const wanted = new Set(objects.map(keyOf));
  for (const object of existing) {
    if (!wanted.has(keyOf(object))) changes.push(describeObjectChange(object, null));
  }
  return changes;
}

/** What deleting a deployment would remove: every managed object carrying its labels. */
export async function previewDeletion(cluster: PreviewCluster, prune: PruneSet): Promise<ObjectChange[]> {
  const existing = await cluster.listManagedObjects(prune.namespace, prune.labels);
  return existing.map((object) => describeObjectChange(object, null));
}
