import {
  ApiException,
  ApisApi,
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { createApiConfiguration } from "./apiConfiguration.js";
import { ClusterError, toClusterError, type ClusterErrorSubject } from "./clusterError.js";
import { watchDeploymentRollout, type WatchRolloutOptions } from "./deploymentRolloutWatch.js";
import { applyConflictsOf, describeConflicts, isBotsToTake } from "./applyConflict.js";
import { MANAGED_KINDS, managedKind, type ManagedKind } from "./managedKinds.js";
import { instanceSelector } from "./render/labels.js";
import { objectNamesFor } from "./render/objectNames.js";
import { ForeignObjectError, isOwnedBy, stampOwnership, type ApplyOwner, type OwnerRef } from "./ownership.js";
import type { RolloutWatchResult } from "./rolloutStatus.js";

export type { WatchRolloutOptions } from "./deploymentRolloutWatch.js";

export interface KubernetesClusterOptions {
  /** The server-side apply field manager every write is recorded under. */
  fieldManager: string;
  logger: Logger;
  /** Per-request timeout for everything but watches (default 30 s): a hung API server must not hang a job. */
  requestTimeoutMs?: number;
  /** How long the answer to "does the cluster serve Istio?" is trusted (default 5 min). */
  discoveryTtlMs?: number;
  /** How long deleteManagedObjects waits for objects held by finalizers to disappear (default 60 s). */
  deletionTimeoutMs?: number;
}

/**
 * A real apply names its owner: every object is stamped with the owner's mark, and an object that
 * exists without that mark is refused. `takeOver` forces every conflicting field: only for a
 * person's explicit Re-apply of a drifted deployment (see applyConflict.ts for the normal rule).
 */
export type ApplyOptions = {
  owner: ApplyOwner;
  takeOver?: boolean;
  /**
   * Objects the caller has just listed as the owner's (listOwnedObjects): these need no read
   * before their apply, since the read only checks ownership. Others are read as usual.
   */
  listedOwned?: readonly KubernetesObject[];
};

function objectKey(object: KubernetesObject): string {
  return `${object.kind ?? ""}/${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

/** One object of a dry-run apply: what is there now and what the API server says it would become. */
export interface DryRunAppliedObject {
  /** The live object before the apply (GET), or null when the apply would create it. */
  live: KubernetesObject | null;
  /** The API server's answer to the dry-run apply: merged, defaulted and validated, but not stored. */
  after: KubernetesObject;
}

export interface DeletedObject {
  kind: string;
  name: string;
}

/** Server-owned metadata that must not be sent back in an apply (uid/resourceVersion would turn it into a precondition). */
const SERVER_METADATA = ["resourceVersion", "managedFields", "uid", "creationTimestamp", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];

function describeLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A JSON copy without server-owned fields. The JSON round trip also drops `undefined` values and
 * turns model-class instances into plain objects, which is what client-node's serializer expects.
 */
function toApplyBody(object: KubernetesObject): KubernetesObject {
  const body = JSON.parse(JSON.stringify(object)) as KubernetesObject & { status?: unknown };
  delete body.status;
  if (body.metadata !== undefined) {
    const metadata = body.metadata as Record<string, unknown>;
    for (const key of SERVER_METADATA) delete metadata[key];
  }
  return body;
}

function subjectOf(object: KubernetesObject): ClusterErrorSubject {
  return { kind: object.kind, name: object.metadata?.name, namespace: object.metadata?.namespace };
}

/**
 * The bot's view of a Kubernetes cluster: server-side apply, list and delete by labels, and
 * following a Deployment's rollout. Every failure is a ClusterError.
 */
export class KubernetesCluster {
  private readonly objects: KubernetesObjectApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly apis: ApisApi;
  private readonly versionApi: VersionApi;
  private readonly watcher: Watch;
  private readonly fieldManager: string;
  private readonly log: Logger;
  private readonly discoveryTtlMs: number;
  private readonly deletionTimeoutMs: number;
  private servedGroupVersions: { fetchedAt: number; value: Promise<Set<string>> } | undefined;

  constructor(kubeConfig: KubeConfig, options: KubernetesClusterOptions) {
    const configuration = createApiConfiguration(kubeConfig, options.requestTimeoutMs ?? 30_000);
    this.objects = new KubernetesObjectApi(configuration);
    this.apps = new AppsV1Api(configuration);
    this.core = new CoreV1Api(configuration);
    this.apis = new ApisApi(configuration);
    this.versionApi = new VersionApi(configuration);
    this.watcher = new Watch(kubeConfig);
    this.fieldManager = options.fieldManager;
    this.log = options.logger;
    this.discoveryTtlMs = options.discoveryTtlMs ?? 5 * 60_000;
    this.deletionTimeoutMs = options.deletionTimeoutMs ?? 60_000;
  }

  /**
   * Server-side applies each object in order, stamped with the owner's mark, and returns what the
   * API server stored. An object that exists without the owner's mark is refused (ForeignObjectError)
   * before anything of it is written. Applies without force; conflicts are settled by
   * resolveConflicts. Stops at the first failure.
   */
  async apply(objects: readonly KubernetesObject[], options: ApplyOptions): Promise<KubernetesObject[]> {
    const applied: KubernetesObject[] = [];
    const listed = new Map((options.listedOwned ?? []).filter((o) => isOwnedBy(o, options.owner)).map((o) => [objectKey(o), o]));
    for (const object of objects) {
      const live = listed.get(objectKey(object)) ?? (await this.readObject(object));
      if (live !== null && !isOwnedBy(live, options.owner)) throw new ForeignObjectError(live, object.metadata?.namespace ?? "?");
      applied.push(await this.applyOne(stampOwnership(object, options.owner), options.takeOver === true));
    }
    this.log.info({ objects: objects.map((o) => `${o.kind}/${o.metadata?.name ?? "?"}`), operationId: options.owner.operationId }, "applied objects");
    return applied;
  }

  /**
   * One apply without force. A field-manager conflict is retried with force only when every
   * conflicting field is the bot's to take (isBotsToTake) or the caller takes everything over;
   * otherwise it fails, not retryable, naming who changed what.
   */
  private async applyOne(object: KubernetesObject, takeOver: boolean, dryRun?: "All"): Promise<KubernetesObject> {
    const patch = (force: boolean) =>
      this.objects.patch(toApplyBody(object), undefined, dryRun, this.fieldManager, force, PatchStrategy.ServerSideApply);
    try {
      return await patch(false);
    } catch (error) {
      const conflicts = applyConflictsOf(error);
      if (conflicts === undefined) throw this.applyError(error, object);
      const what = `${object.kind ?? "object"} ${object.metadata?.name ?? ""}`;
      if (!takeOver && !conflicts.every((conflict) => isBotsToTake(object.kind ?? "", conflict))) {
        throw new ClusterError(
          `${what} was changed outside deploybot: fields managed by ${describeConflicts(conflicts)}. deploybot does not overwrite changes others made; Re-apply from the details panel takes its values back, Adopt keeps the live ones.`,
          { code: 409, reason: "FieldManagerConflict", retryable: false, cause: error },
        );
      }
      this.log.warn({ object: what, conflicts, takeOver }, "taking conflicting fields back with force");
      try {
        return await patch(true);
      } catch (forcedError) {
        throw this.applyError(forcedError, object);
      }
    }
  }

  /**
   * Server-side dry run of `apply` (same field manager, unstamped): for each object the live
   * version and what the API server would store. Nothing changes in the cluster. Errors are
   * classified as for apply, and it stops at the first one.
   */
  async dryRunApply(objects: readonly KubernetesObject[]): Promise<DryRunAppliedObject[]> {
    const results: DryRunAppliedObject[] = [];
    for (const object of objects) {
      // Read first: after the dry run there is no way to tell "created" from "updated" for sure.
      const live = await this.readObject(object);
      // A preview takes conflicting fields as a Re-apply would: it shows the whole change.
      const after = await this.applyOne(object, true, "All");
      results.push({ live, after });
    }
    return results;
  }

  /** The live version of an object (any kind the cluster serves), or null when it does not exist. */
  async readObject(object: KubernetesObject): Promise<KubernetesObject | null> {
    const name = object.metadata?.name ?? "";
    const namespace = object.metadata?.namespace ?? "";
    try {
      return await this.objects.read({ apiVersion: object.apiVersion ?? "", kind: object.kind ?? "", metadata: { name, namespace } });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.applyError(error, object);
    }
  }

  /**
   * The objects that already hold a name a deployment called `deploymentName` would use (see
   * objectNamesFor), whoever made them. Kinds the cluster does not serve are skipped.
   */
  async objectsHoldingNamesOf(namespace: string, deploymentName: string): Promise<KubernetesObject[]> {
    const kinds = await this.servedManagedKinds();
    const probes = kinds.flatMap((kind) =>
      objectNamesFor(kind.kind, deploymentName).map((name) => ({ apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name, namespace } })),
    );
    const found = await Promise.all(probes.map((probe) => this.readObject(probe)));
    return found.filter((object): object is KubernetesObject => object !== null);
  }

  /**
   * Checks that an environment's namespace exists and that the bot may work in it. The bot does not
   * create namespaces (that would need a cluster-wide permission): the install creates each one
   * together with the bot's Role in it. Either missing is a configuration problem that retrying
   * cannot fix, so it fails with a non-retryable ClusterError saying what the install must do.
   */
  async ensureNamespace(name: string): Promise<void> {
    try {
      await this.core.readNamespace({ name });
    } catch (error) {
      const status = error instanceof ApiException ? error.code : undefined;
      // The Role that allows reading the namespace lives in it: with RBAC, a namespace that does
      // not exist answers 403, not 404.
      if (status === 404 || status === 403) {
        const problem = status === 404 ? "does not exist" : "does not exist, or deploybot has no Role in it";
        throw new ClusterError(
          `Namespace ${name} ${problem}. deploybot does not create namespaces: the install must create ${name} and deploybot's Role and RoleBinding in it (see docs/install.md).`,
          { code: status, reason: status === 404 ? "NotFound" : "Forbidden", retryable: false, cause: error },
        );
      }
      throw toClusterError(error, { kind: "Namespace", name });
    }
  }

  /**
   * Every managed-kind object in the namespace carrying all `labels`, grouped by kind in
   * MANAGED_KINDS order. Istio kinds are included only when the cluster serves their API group.
   */
  async listManagedObjects(namespace: string, labels: Record<string, string>): Promise<KubernetesObject[]> {
    const selector = this.selectorFor(labels);
    const kinds = await this.servedManagedKinds();
    const lists = await Promise.all(kinds.map((kind) => this.listKind(kind, namespace, selector)));
    return lists.flat();
  }

  /**
   * The deployment's objects that carry its mark (see ownership.ts): listed by its name label,
   * then every object whose mark says otherwise is left out, so a look-alike is never touched.
   */
  async listOwnedObjects(namespace: string, owner: OwnerRef): Promise<KubernetesObject[]> {
    const candidates = await this.listManagedObjects(namespace, instanceSelector(owner.deploymentName));
    return candidates.filter((object) => isOwnedBy(object, owner));
  }

  /**
   * Deletes every object listOwnedObjects finds (background propagation, so Pods go with their
   * Deployment), ignoring ones already gone, and waits until none is left. Each delete carries the
   * listed object's uid as a precondition: an object replaced since it was listed is not the one
   * that was checked, and is left alone.
   */
  async deleteOwnedObjects(namespace: string, owner: OwnerRef): Promise<DeletedObject[]> {
    const deleted = new Map<string, DeletedObject>();
    const deadline = Date.now() + this.deletionTimeoutMs;
    for (;;) {
      const remaining = await this.listOwnedObjects(namespace, owner);
      if (remaining.length === 0) break;
      if (Date.now() > deadline) {
        const names = remaining.map((o) => `${o.kind} ${o.metadata?.name ?? "?"}`).join(", ");
        throw new ClusterError(`Kubernetes did not finish deleting ${names} in ${namespace}`, {
          code: undefined,
          reason: "Timeout",
          retryable: true,
        });
      }
      const pending = remaining.filter((o) => o.metadata?.deletionTimestamp === undefined);
      for (const object of pending) {
        const kind = object.kind ?? "";
        const name = object.metadata?.name ?? "";
        await this.deleteObject(kind, namespace, name, object.metadata?.uid);
        deleted.set(`${kind}/${name}`, { kind, name });
      }
      // Anything still listed is held by finalizers; give the controllers a moment.
      if (pending.length < remaining.length) await sleep(250);
    }
    if (deleted.size > 0) this.log.info({ namespace, deploymentId: owner.deploymentId, deleted: [...deleted.values()] }, "deleted owned objects");
    return [...deleted.values()];
  }

  /**
   * Deletes one object of a managed kind; resolves false when it did not exist, or (with `uid`)
   * when the object of that name is no longer the one with that uid.
   */
  async deleteObject(kind: string, namespace: string, name: string, uid?: string): Promise<boolean> {
    const known = managedKind(kind);
    if (known === undefined) throw new Error(`deleteObject: ${kind} is not a kind deploybot manages`);
    try {
      await this.objects.delete(
        { apiVersion: known.apiVersion, kind: known.kind, metadata: { name, namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        "Background",
        uid === undefined ? undefined : { preconditions: { uid } },
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (uid !== undefined && error instanceof ApiException && error.code === 409) return false;
      throw toClusterError(error, { kind, name, namespace });
    }
  }

  async readDeployment(namespace: string, name: string): Promise<V1Deployment | null> {
    try {
      return await this.apps.readNamespacedDeployment({ name, namespace });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw toClusterError(error, { kind: "Deployment", name, namespace });
    }
  }

  /**
   * Sets spec.replicas with a merge patch. Unlike an apply, this does not make the bot's apply
   * configuration own the field, so a later apply without replicas keeps the scaled value.
   */
  async scaleDeployment(namespace: string, name: string, replicas: number): Promise<V1Deployment> {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RangeError(`scaleDeployment: replicas must be a whole number >= 0, got ${replicas}`);
    }
    try {
      const result = await this.apps.patchNamespacedDeployment(
        { name, namespace, body: { spec: { replicas } }, fieldManager: this.fieldManager },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      this.log.info({ namespace, deployment: name, replicas }, "scaled deployment");
      return result;
    } catch (error) {
      throw toClusterError(error, { kind: "Deployment", name, namespace });
    }
  }

  watchDeploymentRollout(namespace: string, name: string, options: WatchRolloutOptions): Promise<RolloutWatchResult> {
    return watchDeploymentRollout(
      { watch: this.watcher, readDeployment: (ns, n) => this.readDeployment(ns, n), logger: this.log },
      namespace,
      name,
      options,
    );
  }

  /** Cheap reachability and credentials check (GET /version); resolves the server's version. */
  async ping(): Promise<string> {
    try {
      const info = await this.versionApi.getCode();
      return info.gitVersion;
    } catch (error) {
      throw toClusterError(error, { description: "the API server version check" });
    }
  }

  /** Whether the cluster serves an API group version, e.g. "networking.istio.io/v1". Cached. */
  async servesApi(groupVersion: string): Promise<boolean> {
    if (!groupVersion.includes("/")) return groupVersion === "v1";
    const now = Date.now();
    if (this.servedGroupVersions === undefined || now - this.servedGroupVersions.fetchedAt > this.discoveryTtlMs) {
      const value = this.fetchServedGroupVersions();
      this.servedGroupVersions = { fetchedAt: now, value };
      // A failed discovery must not be cached, or one blip would hide Istio for the whole TTL.
      value.catch(() => {
        if (this.servedGroupVersions?.value === value) this.servedGroupVersions = undefined;
      });
    }
    return (await this.servedGroupVersions.value).has(groupVersion);
  }

  private async fetchServedGroupVersions(): Promise<Set<string>> {
    try {
      const list = await this.apis.getAPIVersions();
      return new Set(list.groups.flatMap((group) => group.versions.map((v) => v.groupVersion)));
    } catch (error) {
      throw toClusterError(error, { description: "API discovery" });
    }
  }

  private async servedManagedKinds(): Promise<ManagedKind[]> {
    const served: ManagedKind[] = [];
    for (const kind of MANAGED_KINDS) {
      if (!kind.optional || (await this.servesApi(kind.apiVersion))) served.push(kind);
    }
    return served;
  }

  private async listKind(kind: ManagedKind, namespace: string, selector: string): Promise<KubernetesObject[]> {
    try {
      const list = await this.objects.list(
        kind.apiVersion,
        kind.kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        selector,
      );
      // The API server leaves apiVersion/kind off the items of built-in lists.
      return list.items.map((item) => Object.assign(item, { apiVersion: kind.apiVersion, kind: kind.kind }));
    } catch (error) {
      throw toClusterError(error, { description: `listing ${kind.kind} objects in ${namespace}` });
    }
  }

  /** An empty selector matches everything in the namespace; refusing it keeps a bug from deleting all of it. */
  private selectorFor(labels: Record<string, string>): string {
    if (Object.keys(labels).length === 0) {
      throw new Error("Refusing an empty label selector: it would match every object in the namespace");
    }
    return describeLabels(labels);
  }

  private applyError(error: unknown, object: KubernetesObject): ClusterError {
    const subject = subjectOf(object);
    const message = error instanceof Error ? error.message : "";
    // client-node resolves kinds through discovery before sending; a kind the cluster does not
    // serve fails there, as a bare Error or a 404 on the group's discovery document.
    if (message.startsWith("Unrecognized API version and kind") || message.startsWith("Failed to fetch resource metadata")) {
      if (!(error instanceof ApiException) || error.code === 404) {
        return new ClusterError(
          `Kubernetes refused ${object.kind ?? "object"} ${object.metadata?.name ?? ""}: the cluster does not serve ${object.apiVersion ?? "?"} ${object.kind ?? "?"}${object.apiVersion?.startsWith("networking.istio.io") ? " (is Istio installed?)" : ""}`,
          { code: 404, reason: "NotFound", retryable: false, cause: error },
        );
      }
    }
    return toClusterError(error, subject);
  }
}
