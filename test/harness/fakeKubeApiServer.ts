/**
 * A Kubernetes API server on 127.0.0.1 that the real @kubernetes/client-node talks to over HTTP.
 *
 * Objects live in memory. Requests are answered with the status codes and `Status` bodies of a
 * real kube-apiserver for the kinds deploybot manages, so the production cluster layer is tested
 * through the same client library, discovery, serialisation and error paths it uses against a
 * cluster. The deployment controller is not simulated automatically: tests drive rollouts through
 * `progressDeployment` / `failDeploymentProgress`, or opt into `setAutoProgress`.
 *
 * Field ownership is tracked in `metadata.managedFields` (Apply and Update entries per manager, from
 * the `fieldManager` query parameter, FieldsV1 sets: see fakeKube/managedFields.ts), and an apply
 * without `force` is refused with a FieldManagerConflict 409 when it would change a field another
 * manager owns. Simplifications worth knowing: the merge of an apply replaces whole top-level fields
 * (see `applyPatch`), only lists of named items are associative, strategic merge patch is a plain merge patch, there are no ReplicaSets (Pods are owned by their
 * Deployment), unknown fields are kept rather than pruned, and deletion is immediate (no finalizers).
 */

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import {
  alreadyExists,
  ApiStatusError,
  badRequest,
  conflict,
  failure,
  invalid,
  namespaceNotFound,
  notFound,
  reasonForCode,
  success,
  type ApiStatus,
} from "./fakeKube/apiStatus.js";
import {
  desiredReplicasOf,
  failedStatus,
  podsFor,
  progressedStatus,
  type ProgressOptions,
} from "./fakeKube/deploymentController.js";
import { cloneObject, isRecord, isStringMap, jsonEqual, type KubeObject } from "./fakeKube/kubeObject.js";
import { ObjectStore, type StoreEvent, type WatchEventType } from "./fakeKube/objectStore.js";
import { applyServerDefaults, initialStatus, validateObject } from "./fakeKube/objectRules.js";
import { applyJsonPatch, applyMergePatch, PatchError } from "./fakeKube/patches.js";
import { applyConflicts, changedFields, fieldsOf, managedFieldsOf, presentFields, recordWrite, type FieldSet, type ManagedFieldsEntry } from "./fakeKube/managedFields.js";
import {
  apiGroupDocument,
  apiGroupListDocument,
  apiResourceListDocument,
  apiVersionsDocument,
  findResourceType,
  groupVersionOf,
  ISTIO_GROUP,
  RESOURCE_TYPES,
  type ResourceType,
} from "./fakeKube/resourceCatalog.js";
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  type FieldSelector,
  type LabelSelector,
} from "./fakeKube/selectors.js";

export type { KubeObject } from "./fakeKube/kubeObject.js";

export interface FakeKubeApiServerOptions {
  /** Create a namespace on first use instead of answering 404 (default false, as a real cluster). */
  autoCreateNamespaces?: boolean;
  /** Serve networking.istio.io/v1 (default true); false models a cluster without Istio. */
  serveIstio?: boolean;
  /** Bearer token the server demands (default "fake-token"); `kubeConfig()` carries it. */
  token?: string;
  /** Namespaces that exist from the start. */
  namespaces?: string[];
  /** Watch events kept for resuming; older resourceVersions get 410 Gone (default 10000). */
  watchHistoryLimit?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** Parsed JSON body, or the raw text when it is not JSON; undefined without a body. */
  body: unknown;
}

export interface FailureInjection {
  status: number;
  /** Which requests fail. Default: every request except discovery (`/api`, `/apis/...` group docs, `/version`). */
  match?: (method: string, path: string) => boolean;
  message?: string;
  reason?: string;
  /** The Status `details`, e.g. the causes of a server-side apply conflict (see `applyConflict`). */
  details?: ApiStatus["details"];
}

/**
 * What a real API server answers to a server-side apply without force when `manager` owns
 * `fields` the configuration also sets (fields as it prints them: `.spec.replicas`).
 */
export function applyConflict(manager: string, fields: string[]): FailureInjection {
  const status = applyConflictStatus(fields.map((field) => ({ manager, field }))).status;
  return {
    status: 409,
    reason: "Conflict",
    message: status.message,
    ...(status.details === undefined ? {} : { details: status.details }),
    match: (method, path) => method === "PATCH" && !path.includes("/status"),
  };
}

/** The 409 of a server-side apply that would change fields other managers own (without force). */
function applyConflictStatus(conflicts: readonly { manager: string; field: string }[]): ApiStatusError {
  const causes = conflicts.map(({ manager, field }) => ({ reason: "FieldManagerConflict", message: `conflict with "${manager}" using apps/v1`, field }));
  const message = `Apply failed with ${causes.length} conflict${causes.length === 1 ? "" : "s"}: ${causes.map((c) => `${c.message}: ${c.field}`).join(", ")}`;
  return failure(409, message, { causes }, "Conflict");
}

/**
 * The managedFields after a write. A write that leaves every manager's field set as it was keeps
 * the entries (and their times) as they were, as the real server does for a no-op apply.
 */
function trackWrite(existing: KubeObject | undefined, next: KubeObject, writer: FieldWriter): ManagedFieldsEntry[] {
  const entries = managedFieldsOf(existing);
  const changed = changedFields(existing, next);
  // A scale through the subresource owns spec.replicas only; an apply owns what it configures.
  const fields = writer.subresource === "scale" ? (Object.keys(changed).length > 0 ? REPLICAS_FIELD : {}) : writer.applied !== undefined ? fieldsOf(writer.applied) : changed;
  if (writer.operation === "Update" && Object.keys(fields).length === 0) return entries;
  const recorded = presentFields(recordWrite(entries, {
    manager: writer.manager,
    operation: writer.operation,
    apiVersion: next.apiVersion,
    time: nowIso(),
    fields,
    force: writer.force === true,
    ...(writer.subresource === undefined ? {} : { subresource: writer.subresource }),
  }), next);
  const sameSets = recorded.length === entries.length && recorded.every((entry) => entries.some((old) => old.manager === entry.manager && old.operation === entry.operation && old.subresource === entry.subresource && jsonEqual(old.fieldsV1, entry.fieldsV1)));
  return sameSets ? entries : recorded;
}

export type UnavailableMode = "reset" | "503";

export interface AutoProgressOptions {
  delayMs?: number;
}

interface Route {
  resource: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

interface OpenWatch {
  close: (how: "end" | "destroy") => void;
}

/** One line a container wrote, with when it wrote it (for `sinceSeconds`). */
export interface PodLogLine {
  time: Date;
  text: string;
}

interface PendingFailure extends FailureInjection {
  remaining: number;
}

const SERVER_MANAGED_METADATA = ["uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp"];
/** A server-side apply may set these metadata fields; everything else in metadata is the server's. */
const APPLYABLE_METADATA = ["labels", "annotations", "ownerReferences", "finalizers"];
const DEFAULT_WATCH_SECONDS = 1800;
/** What the real server records for a write whose request named no field manager (it derives one from the user agent). */
const DEFAULT_FIELD_MANAGER = "unknown";

/** Who writes, and how, for the object's managedFields (see fakeKube/managedFields.ts). */
interface FieldWriter {
  manager: string;
  operation: ManagedFieldsEntry["operation"];
  /** Only for Apply: conflicting fields are taken from their managers. */
  force?: boolean;
  /** Only for Apply: the applied configuration, whose fields become the manager's set. */
  applied?: KubeObject;
  subresource?: "scale";
}

function updateBy(query: URLSearchParams, subresource?: "scale"): FieldWriter {
  const manager = query.get("fieldManager");
  return { manager: manager === null || manager === "" ? DEFAULT_FIELD_MANAGER : manager, operation: "Update", ...(subresource ? { subresource } : {}) };
}

const REPLICAS_FIELD: FieldSet = { "f:spec": { "f:replicas": {} } };

function isDiscoveryPath(path: string): boolean {
  return (
    path === "/api" ||
    path === "/apis" ||
    path === "/version" ||
    /^\/api\/v1\/?$/.test(path) ||
    /^\/apis\/[^/]+(\/[^/]+)?\/?$/.test(path)
  );
}

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Everything but metadata and status: a change here is what bumps `metadata.generation`. */
function desiredState(object: KubeObject): Record<string, unknown> {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

export class FakeKubeApiServer {
  readonly url: string;
  readonly token: string;
  /** Every request received, in order, including ones that were failed on purpose. */
  readonly requests: RecordedRequest[] = [];

  private readonly store: ObjectStore;
  private readonly types: readonly ResourceType[];
  private readonly watches = new Set<OpenWatch>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private failures: PendingFailure[] = [];
  private unavailable: UnavailableMode | undefined;
  private responseDelayMs = 0;
  private autoProgress: { delayMs: number } | undefined;
  private autoCreateNamespaces: boolean;
  private nextIp = 1;
  /** Container logs by `namespace/pod/container/current|previous`. */
  private readonly podLogs = new Map<string, PodLogLine[]>();

  private constructor(
    private readonly server: Server,
    url: string,
    options: FakeKubeApiServerOptions,
  ) {
    this.url = url;
    this.token = options.token ?? "fake-token";
    this.autoCreateNamespaces = options.autoCreateNamespaces ?? false;
    this.types = RESOURCE_TYPES.filter((t) => t.group !== ISTIO_GROUP || (options.serveIstio ?? true));
    this.store = new ObjectStore(options.watchHistoryLimit ?? 10_000);
    for (const ns of options.namespaces ?? []) this.createNamespace(ns);
  }

  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    // The handler exists before the instance (which needs the bound port), hence the holder.
    const holder: { instance?: FakeKubeApiServer } = {};
    const server = createServer((req, res) => {
      if (holder.instance === undefined) {
        res.destroy();
        return;
      }
      void holder.instance.onRequest(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    holder.instance = new FakeKubeApiServer(server, `http://127.0.0.1:${port}`, options);
    return holder.instance;
  }

  // ---------------------------------------------------------------- control API

  /** A KubeConfig for this server; `skipTLSVerify` is what lets client-node use plain http. */
  kubeConfig(namespace = "default"): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "fake", server: this.url, skipTLSVerify: true }],
      users: [{ name: "fake", token: this.token }],
      contexts: [{ name: "fake", cluster: "fake", user: "fake", namespace }],
      currentContext: "fake",
    });
    return kc;
  }

  /** `kind` may be a Kind, a plural or a short name; pass undefined as namespace for cluster-scoped kinds. */
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(this.typeFor(kind), namespace, name);
  }

  list(kind: string, namespace?: string): KubeObject[] {
    return this.store.list(this.typeFor(kind), namespace);
  }

  /** Number of stored objects, Namespaces excluded (tests create those as scaffolding). */
  objectCount(): number {
    return this.store.count((t) => t.kind !== "Namespace");
  }

  createNamespace(name: string): KubeObject {
    const type = this.typeFor("Namespace");
    const existing = this.store.get(type, undefined, name);
    if (existing !== undefined) return existing;
    return this.insert(type, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }

  /** Stores an object as if some other client had created or replaced it (no validation). */
  put(object: KubeObject): KubeObject {
    const type = this.typeFor(object.kind);
    const existing = this.store.get(type, object.metadata.namespace, object.metadata.name);
    if (existing === undefined) return this.insert(type, object);
    const next = cloneObject(object);
    next.metadata = { ...existing.metadata, ...next.metadata, uid: existing.metadata.uid };
    return this.store.write(type, next);
  }

  /** Removes an object as if another client deleted it; returns false when it was absent. */
  remove(kind: string, namespace: string | undefined, name: string): boolean {
    const type = this.typeFor(kind);
    const existing = this.store.get(type, namespace, name);
    if (existing === undefined) return false;
    this.deleteWithDependents(type, existing, "Background");
    return true;
  }

  setDeploymentStatus(namespace: string, name: string, partialStatus: Record<string, unknown>): KubeObject {
    const deployment = this.requireDeployment(namespace, name);
    const status = isRecord(deployment.status) ? deployment.status : {};
    deployment.status = { ...status, ...partialStatus };
    return this.store.write(this.typeFor("Deployment"), deployment);
  }

  /**
   * What the deployment controller writes as `readyReplicas` of the desired pods come up: counts,
   * observedGeneration and the Available/Progressing conditions, plus matching Pods.
   */
  progressDeployment(namespace: string, name: string, readyReplicas: number, options: ProgressOptions = {}): KubeObject {
    const deployment = this.requireDeployment(namespace, name);
    const now = nowIso();
    deployment.status = progressedStatus(deployment, readyReplicas, options, now);
    const stored = this.store.write(this.typeFor("Deployment"), deployment);
    const total = Math.max(options.totalReplicas ?? desiredReplicasOf(deployment), options.updatedReplicas ?? 0);
    this.syncPods(stored, podsFor(stored, total, Math.min(readyReplicas, total), now));
    return stored;
  }

  /** The controller giving up: Progressing=False with reason ProgressDeadlineExceeded. */
  failDeploymentProgress(namespace: string, name: string, message?: string): KubeObject {
    const deployment = this.requireDeployment(namespace, name);
    deployment.status = failedStatus(deployment, message, nowIso());
    return this.store.write(this.typeFor("Deployment"), deployment);
  }

  /**
   * When on, every Deployment that is created or whose spec changes becomes fully ready by itself
   * after `delayMs` (default 20); Deployments already waiting when it is switched on do too.
   */
  setAutoProgress(enabled: boolean | AutoProgressOptions): void {
    if (enabled === false) {
      this.autoProgress = undefined;
      return;
    }
    this.autoProgress = { delayMs: enabled === true ? 20 : (enabled.delayMs ?? 20) };
    const type = this.typeFor("Deployment");
    for (const deployment of this.store.list(type)) {
      const status = isRecord(deployment.status) ? deployment.status : {};
      const settled =
        status.observedGeneration === deployment.metadata.generation &&
        (status.readyReplicas ?? 0) === desiredReplicasOf(deployment);
      if (!settled) this.afterSpecChange(type, deployment);
    }
  }

  /**
   * What `GET .../pods/{pod}/log` answers for a container: its current run, or with `previous`
   * the run before the last restart. Plain strings are stamped one second apart, ending now.
   */
  setPodLogs(namespace: string, pod: string, container: string, lines: readonly (string | PodLogLine)[], options: { previous?: boolean } = {}): void {
    const now = Date.now();
    const stamped = lines.map((line, i) => (typeof line === "string" ? { time: new Date(now - (lines.length - 1 - i) * 1000), text: line } : line));
    this.podLogs.set(`${namespace}/${pod}/${container}/${options.previous === true ? "previous" : "current"}`, stamped);
  }

  setAutoCreateNamespaces(enabled: boolean): void {
    this.autoCreateNamespaces = enabled;
  }

  /** The next `count` matching requests are answered with `status` instead of being served. */
  failNextRequests(count: number, injection: FailureInjection): void {
    this.failures.push({ ...injection, remaining: count });
  }

  /**
   * Models the cluster going away. "reset" (default) destroys every socket, including open watches,
   * so the client sees connection errors; "503" answers every request with ServiceUnavailable.
   */
  setUnavailable(unavailable: boolean | { mode: UnavailableMode }): void {
    this.unavailable = unavailable === false ? undefined : unavailable === true ? "reset" : unavailable.mode;
    if (this.unavailable === "reset") {
      for (const watch of [...this.watches]) watch.close("destroy");
      this.server.closeAllConnections();
    }
  }

  /** Delays every response, for exercising client timeouts. */
  setResponseDelay(ms: number): void {
    this.responseDelayMs = ms;
  }

  /** Ends every open watch stream cleanly, as an API server does when its watch timeout expires. */
  closeWatches(): number {
    const count = this.watches.size;
    for (const watch of [...this.watches]) watch.close("end");
    return count;
  }

  openWatchCount(): number {
    return this.watches.size;
  }

  /** Forgets watch history, so resuming from any earlier resourceVersion yields 410 Gone. */
  compactWatchHistory(): void {
    this.store.compact();
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const watch of [...this.watches]) watch.close("end");
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const method = (req.method ?? "GET").toUpperCase();
    const contentType = req.headers["content-type"]?.split(";")[0]?.trim();
    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch {
      return;
    }
    this.requests.push({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      contentType,
      body: parseJsonOrText(rawBody),
    });

    if (this.unavailable === "reset") {
      req.socket.destroy();
      return;
    }
    if (this.unavailable === "503") {
      this.sendStatus(res, failure(503, "the server is currently unable to handle the request").status);
      return;
    }
    if (this.responseDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.responseDelayMs));
      if (res.destroyed) return;
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.sendStatus(res, failure(401, "Unauthorized").status);
      return;
    }
    const injected = this.takeInjectedFailure(method, path);
    if (injected !== undefined) {
      const headers: Record<string, string> = injected.code === 429 ? { "Retry-After": "1" } : {};
      this.sendStatus(res, injected, headers);
      return;
    }

    try {
      this.route(method, path, url.searchParams, contentType, rawBody, res);
    } catch (error) {
      if (error instanceof ApiStatusError) {
        this.sendStatus(res, error.status);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        this.sendStatus(res, failure(500, `fake API server bug: ${message}`).status);
      }
    }
  }

  private takeInjectedFailure(method: string, path: string): ApiStatus | undefined {
    const rule = this.failures.find((f) =>
      f.remaining > 0 && (f.match === undefined ? !isDiscoveryPath(path) : f.match(method, path)),
    );
    if (rule === undefined) return undefined;
    rule.remaining--;
    this.failures = this.failures.filter((f) => f.remaining > 0);
    const message = rule.message ?? `injected failure (HTTP ${rule.status})`;
    return failure(rule.status, message, rule.details, rule.reason ?? reasonForCode(rule.status)).status;
  }

  private sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private sendStatus(res: ServerResponse, status: ApiStatus, headers: Record<string, string> = {}): void {
    this.sendJson(res, status.code, status, headers);
  }

  private sendPageNotFound(res: ServerResponse): void {
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("404 page not found\n");
  }

  // ---------------------------------------------------------------- routing

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    contentType: string | undefined,
    rawBody: string,
    res: ServerResponse,
  ): void {
    if (method === "GET") {
      const discovery = this.discovery(path);
      if (discovery !== undefined) {
        this.sendJson(res, 200, discovery);
        return;
      }
      if (path === "/healthz" || path === "/readyz" || path === "/livez") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end("ok");
        return;
      }
    }
    const route = this.parseRoute(path);
    if (route === undefined) {
      this.sendPageNotFound(res);
      return;
    }
    const dryRun = parseDryRun(query);
    const { resource, name, subresource } = route;

    if (method === "GET" && name === undefined) {
      if (query.get("watch") === "true" || query.get("watch") === "1") this.watch(route, query, res);
      else this.sendJson(res, 200, this.listResponse(route, query));
      return;
    }
    if (method === "GET" && name !== undefined && subresource === "log") {
      this.sendPodLog(route, name, query, res);
      return;
    }
    if (method === "GET" && name !== undefined) {
      const object = this.requireObject(route, name);
      this.sendJson(res, 200, subresource === "scale" ? scaleOf(object) : object);
      return;
    }
    if (method === "POST" && name === undefined) {
      this.sendJson(res, 201, this.create(route, parseBody(rawBody), query, dryRun));
      return;
    }
    if (method === "PUT" && name !== undefined) {
      this.sendJson(res, 200, this.replace(route, name, parseBody(rawBody), query, dryRun));
      return;
    }
    if (method === "PATCH" && name !== undefined) {
      const { code, object } = this.patch(route, name, contentType, rawBody, query, dryRun);
      this.sendJson(res, code, object);
      return;
    }
    if (method === "DELETE" && name !== undefined) {
      this.sendJson(res, 200, this.deleteOne(route, name, query, rawBody, dryRun));
      return;
    }
    if (method === "DELETE" && name === undefined) {
      this.sendJson(res, 200, this.deleteCollection(route, query, rawBody, dryRun));
      return;
    }
    throw failure(405, `the server does not allow this method on the requested resource (${resource.plural})`);
  }

  /** The kubelet's answers, as relayed by the API server: plain text, or a 400 Status naming the problem. */
  private sendPodLog(route: Route, name: string, query: URLSearchParams, res: ServerResponse): void {
    const pod = this.requireObject(route, name);
    const spec = isRecord(pod.spec) ? pod.spec : {};
    const containers = (Array.isArray(spec.containers) ? spec.containers : []).flatMap((c) => (isRecord(c) && typeof c.name === "string" ? [c.name] : []));
    const requested = query.get("container");
    let container: string;
    if (requested !== null && requested !== "") {
      if (!containers.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
      container = requested;
    } else if (containers.length === 1 && containers[0] !== undefined) {
      container = containers[0];
    } else {
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`);
    }
    const previous = query.get("previous") === "true";
    const stored = this.podLogs.get(`${route.namespace ?? ""}/${name}/${container}/${previous ? "previous" : "current"}`);
    if (stored === undefined && previous) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    let lines = stored ?? [];
    const sinceSeconds = Number(query.get("sinceSeconds") ?? "0");
    if (sinceSeconds > 0) lines = lines.filter((line) => line.time.getTime() >= Date.now() - sinceSeconds * 1000);
    const tailLines = query.get("tailLines");
    if (tailLines !== null) lines = lines.slice(Math.max(0, lines.length - Number(tailLines)));
    const text = lines.map((line) => `${line.text}\n`).join("");
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  }

  private discovery(path: string): Record<string, unknown> | undefined {
    if (path === "/version") {
      return {
        major: "1",
        minor: "31",
        gitVersion: "v1.31.0-fake",
        gitCommit: "0000000000000000000000000000000000000000",
        gitTreeState: "clean",
        buildDate: "2024-08-13T00:00:00Z",
        goVersion: "go1.22.5",
        compiler: "gc",
        platform: "linux/amd64",
      };
    }
    if (path === "/api") return apiVersionsDocument(new URL(this.url).host);
    if (path === "/api/v1") return apiResourceListDocument(this.types, "v1");
    if (path === "/apis") return apiGroupListDocument(this.types);
    const group = /^\/apis\/([^/]+)$/.exec(path);
    if (group?.[1] !== undefined && this.types.some((t) => t.group === group[1])) {
      return apiGroupDocument(this.types, group[1]);
    }
    const groupVersion = /^\/apis\/([^/]+\/[^/]+)$/.exec(path);
    if (groupVersion?.[1] !== undefined && this.types.some((t) => groupVersionOf(t) === groupVersion[1])) {
      return apiResourceListDocument(this.types, groupVersion[1]);
    }
    return undefined;
  }

  /** `/api/v1/...` or `/apis/{group}/{version}/...` → which resource, namespace, name and subresource. */
  private parseRoute(path: string): Route | undefined {
    const segments = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
    let groupVersion: string;
    let rest: string[];
    if (segments[0] === "api" && segments[1] === "v1") {
      groupVersion = "v1";
      rest = segments.slice(2);
    } else if (segments[0] === "apis" && segments.length >= 3) {
      groupVersion = `${segments[1]}/${segments[2]}`;
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    const inGroup = this.types.filter((t) => groupVersionOf(t) === groupVersion);
    const byPlural = (plural: string | undefined): ResourceType | undefined => inGroup.find((t) => t.plural === plural);

    if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && groupVersion === "v1" && isNamespaceSub(rest[2]))) {
      const resource = byPlural(rest[2]);
      if (resource === undefined || !resource.namespaced || rest.length > 5) return undefined;
      const sub = rest[4];
      if (sub !== undefined && !resource.subresources.includes(sub)) return undefined;
      return { resource, namespace: rest[1], name: rest[3], subresource: sub };
    }
    const resource = byPlural(rest[0]);
    if (resource === undefined || rest.length > 3) return undefined;
    if (resource.namespaced && rest.length > 1) return undefined;
    const sub = rest[2];
    if (sub !== undefined && !resource.subresources.includes(sub)) return undefined;
    return { resource, namespace: undefined, name: rest[1], subresource: sub };
  }

  // ---------------------------------------------------------------- verbs

  private listResponse(route: Route, query: URLSearchParams): Record<string, unknown> {
    const { labels, fields } = parseSelectors(query, route.resource);
    let items = this.store.list(route.resource, route.namespace, (o) => matchesLabelSelector(labels, o.metadata.labels) && matchesFieldSelector(fields, o));
    const metadata: Record<string, unknown> = { resourceVersion: String(this.store.resourceVersion) };
    const continueFrom = query.get("continue");
    if (continueFrom !== null && continueFrom !== "") {
      const after = Buffer.from(continueFrom, "base64url").toString();
      items = items.filter((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}` > after);
    }
    const limit = Number(query.get("limit") ?? "0");
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1];
      metadata.remainingItemCount = items.length - limit;
      if (last !== undefined) {
        metadata.continue = Buffer.from(`${last.metadata.namespace ?? ""}/${last.metadata.name}`).toString("base64url");
      }
      items = items.slice(0, limit);
    }
    return {
      kind: `${route.resource.kind}List`,
      apiVersion: groupVersionOf(route.resource),
      metadata,
      items: items.map((item) => this.asListItem(route.resource, item)),
    };
  }

  private asListItem(resource: ResourceType, object: KubeObject): Record<string, unknown> {
    if (!resource.builtIn) return object;
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
    return rest;
  }

  private create(route: Route, body: unknown, query: URLSearchParams, dryRun: boolean): KubeObject {
    const object = this.checkIncoming(route, body, undefined);
    const namespace = route.resource.namespaced ? route.namespace : undefined;
    if (object.metadata.name === "" && typeof object.metadata.generateName === "string") {
      object.metadata.name = `${object.metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    if (this.store.get(route.resource, namespace, object.metadata.name) !== undefined) {
      throw alreadyExists(route.resource, object.metadata.name);
    }
    this.requireNamespace(route.resource, namespace, dryRun);
    return this.commitCreate(route.resource, object, dryRun, updateBy(query));
  }

  private replace(route: Route, name: string, body: unknown, query: URLSearchParams, dryRun: boolean): KubeObject | Record<string, unknown> {
    const existing = this.requireObject(route, name);
    const object = this.checkIncoming(route, body, name);
    if (route.subresource === "scale") {
      const spec = isRecord(body) && isRecord(body.spec) ? body.spec : {};
      return scaleOf(this.commitUpdate(route.resource, existing, withReplicas(existing, spec.replicas), dryRun, updateBy(query, "scale")));
    }
    const requested = object.metadata.resourceVersion;
    if (requested === undefined || requested === "") {
      throw invalid(route.resource, name, [
        {
          reason: "FieldValueInvalid",
          message: "Invalid value: 0x0: must be specified for an update",
          field: "metadata.resourceVersion",
        },
      ]);
    }
    if (requested !== existing.metadata.resourceVersion) throw conflict(route.resource, name);
    if (route.subresource === "status") {
      return this.commitUpdate(route.resource, existing, { ...existing, status: object.status }, dryRun, undefined);
    }
    return this.commitUpdate(route.resource, existing, object, dryRun, updateBy(query));
  }

  private patch(
    route: Route,
    name: string,
    contentType: string | undefined,
    rawBody: string,
    query: URLSearchParams,
    dryRun: boolean,
  ): { code: number; object: KubeObject | Record<string, unknown> } {
    if (contentType === "application/apply-patch+yaml") {
      return this.applyPatch(route, name, rawBody, query, dryRun);
    }
    const existing = this.requireObject(route, name);
    const patch = parseBody(rawBody);
    const base: unknown = route.subresource === "scale" ? scaleOf(existing) : existing;
    let patched: unknown;
    try {
      if (contentType === "application/merge-patch+json" || contentType === "application/strategic-merge-patch+json") {
        patched = applyMergePatch(base, patch);
      } else if (contentType === "application/json-patch+json") {
        patched = applyJsonPatch(base, patch);
      } else {
        throw failure(
          415,
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        );
      }
    } catch (error) {
      if (error instanceof PatchError) throw failure(422, error.message);
      throw error;
    }
    if (!isRecord(patched)) throw badRequest("the patch must produce an object");
    if (route.subresource === "scale") {
      const spec = isRecord(patched.spec) ? patched.spec : {};
      const updated = this.commitUpdate(route.resource, existing, withReplicas(existing, spec.replicas), dryRun, updateBy(query, "scale"));
      return { code: 200, object: scaleOf(updated) };
    }
    const patchedMeta = isRecord(patched.metadata) ? patched.metadata : {};
    if (
      typeof patchedMeta.resourceVersion === "string" &&
      patchedMeta.resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw conflict(route.resource, name);
    }
    const candidate = { ...patched, metadata: { ...patchedMeta, name: existing.metadata.name } } as KubeObject;
    if (existing.metadata.namespace !== undefined) candidate.metadata.namespace = existing.metadata.namespace;
    const statusOnly = route.subresource === "status";
    const next = statusOnly ? { ...existing, status: candidate.status } : candidate;
    return { code: 200, object: this.commitUpdate(route.resource, existing, next, dryRun, statusOnly ? undefined : updateBy(query)) };
  }

  /**
   * Server-side apply, merged simply: after the conflict check, the applied configuration's labels, annotations and
   * every top-level field replace the live ones, so a field dropped from the configuration
   * disappears. Exception: a Deployment's `spec.replicas` left out of the configuration keeps its
   * live value, because in deploybot's clusters an HPA (another manager) owns it.
   */
  private applyPatch(
    route: Route,
    name: string,
    rawBody: string,
    query: URLSearchParams,
    dryRun: boolean,
  ): { code: number; object: KubeObject } {
    const fieldManager = query.get("fieldManager");
    if (fieldManager === null || fieldManager === "") {
      throw badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
    }
    const body = parseBody(rawBody);
    if (isRecord(body) && (body.apiVersion === undefined || body.kind === undefined)) {
      throw badRequest(`invalid object type: ${JSON.stringify({ apiVersion: body.apiVersion, kind: body.kind })}`);
    }
    const applied = this.checkIncoming(route, body, name);
    if (route.subresource !== undefined) throw badRequest(`apply is not supported on the ${route.subresource} subresource in this fake`);
    const namespace = route.resource.namespaced ? route.namespace : undefined;
    const existing = this.store.get(route.resource, namespace, name);
    const requested = applied.metadata.resourceVersion;
    if (existing === undefined) {
      if (requested !== undefined && requested !== "") throw conflict(route.resource, name);
      this.requireNamespace(route.resource, namespace, dryRun);
      return { code: 201, object: this.commitCreate(route.resource, applied, dryRun, { manager: fieldManager, operation: "Apply", applied }) };
    }
    if (requested !== undefined && requested !== "" && requested !== existing.metadata.resourceVersion) {
      throw conflict(route.resource, name);
    }
    const force = query.get("force") === "true";
    const conflicts = force ? [] : applyConflicts(managedFieldsOf(existing), fieldManager, existing, applied);
    if (conflicts.length > 0) throw applyConflictStatus(conflicts);
    const metadata: Record<string, unknown> = { ...existing.metadata };
    for (const key of APPLYABLE_METADATA) {
      if (key === "ownerReferences" || key === "finalizers") {
        if (applied.metadata[key] !== undefined) metadata[key] = applied.metadata[key];
      } else if (applied.metadata[key] === undefined) {
        delete metadata[key];
      } else {
        metadata[key] = applied.metadata[key];
      }
    }
    const merged: KubeObject = {
      ...desiredState(applied),
      apiVersion: applied.apiVersion,
      kind: applied.kind,
      metadata: metadata as KubeObject["metadata"],
    };
    if (existing.status !== undefined) merged.status = existing.status;
    if (route.resource.kind === "Deployment" && isRecord(merged.spec) && merged.spec.replicas === undefined) {
      const live = isRecord(existing.spec) ? existing.spec.replicas : undefined;
      if (live !== undefined) merged.spec.replicas = live;
    }
    return { code: 200, object: this.commitUpdate(route.resource, existing, merged, dryRun, { manager: fieldManager, operation: "Apply", force, applied }) };
  }

  private deleteOne(
    route: Route,
    name: string,
    query: URLSearchParams,
    rawBody: string,
    dryRun: boolean,
  ): KubeObject | ApiStatus {
    const existing = this.requireObject(route, name);
    const policy = propagationPolicyOf(query, rawBody);
    const at = nowIso();
    const asDeleted = { ...existing, metadata: { ...existing.metadata, deletionTimestamp: at } };
    if (!dryRun) this.deleteWithDependents(route.resource, existing, policy);
    if (route.resource.kind === "Namespace") {
      return { ...asDeleted, status: { phase: "Terminating" } };
    }
    if (policy === "Foreground") {
      return { ...asDeleted, metadata: { ...asDeleted.metadata, finalizers: ["foregroundDeletion"] } };
    }
    if (route.resource.kind === "Pod" || route.resource.kind === "Service") return asDeleted;
    return success(route.resource, name, existing.metadata.uid);
  }

  private deleteCollection(route: Route, query: URLSearchParams, rawBody: string, dryRun: boolean): Record<string, unknown> {
    const list = this.listResponse(route, query);
    const policy = propagationPolicyOf(query, rawBody);
    if (!dryRun) {
      const { labels, fields } = parseSelectors(query, route.resource);
      for (const object of this.store.list(route.resource, route.namespace, (o) => matchesLabelSelector(labels, o.metadata.labels) && matchesFieldSelector(fields, o))) {
        this.deleteWithDependents(route.resource, object, policy);
      }
    }
    return list;
  }

  private watch(route: Route, query: URLSearchParams, res: ServerResponse): void {
    const { labels, fields } = parseSelectors(query, route.resource);
    const fromParam = query.get("resourceVersion");
    const timeoutSeconds = Number(query.get("timeoutSeconds") ?? DEFAULT_WATCH_SECONDS);
    const bookmarks = query.get("allowWatchBookmarks") === "true";

    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
      "Transfer-Encoding": "chunked",
    });
    res.flushHeaders();
    const send = (type: WatchEventType | "ERROR" | "BOOKMARK", object: unknown): void => {
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
    };

    const lifetime: { unsubscribe: () => void; timer?: NodeJS.Timeout } = { unsubscribe: () => {} };
    const watch: OpenWatch = {
      close: (how) => {
        lifetime.unsubscribe();
        if (lifetime.timer !== undefined) clearTimeout(lifetime.timer);
        this.watches.delete(watch);
        if (how === "destroy") res.destroy();
        else if (!res.writableEnded) res.end();
      },
    };
    this.watches.add(watch);
    res.on("close", () => watch.close("end"));

    const forward = (event: StoreEvent): void => {
      const translated = translateForWatch(event, route, labels, fields);
      if (translated !== undefined) send(translated.type, translated.object);
    };

    if (fromParam === null || fromParam === "" || fromParam === "0") {
      for (const object of this.store.list(route.resource, route.namespace, (o) => matchesLabelSelector(labels, o.metadata.labels) && matchesFieldSelector(fields, o))) {
        send("ADDED", object);
      }
    } else {
      const events = this.store.eventsAfter(Number(fromParam));
      if (events === "expired" || Number.isNaN(Number(fromParam))) {
        send("ERROR", failure(410, `too old resource version: ${fromParam} (${this.store.resourceVersion})`, undefined, "Expired").status);
        watch.close("end");
        return;
      }
      for (const event of events) forward(event);
    }
    lifetime.unsubscribe = this.store.subscribe(forward);
    lifetime.timer = setTimeout(() => {
      if (bookmarks) {
        send("BOOKMARK", {
          kind: route.resource.kind,
          apiVersion: groupVersionOf(route.resource),
          metadata: { resourceVersion: String(this.store.resourceVersion) },
        });
      }
      watch.close("end");
    }, Math.max(timeoutSeconds, 0) * 1000);
    lifetime.timer.unref();
  }

  // ---------------------------------------------------------------- storage helpers

  private typeFor(kind: string): ResourceType {
    const type = findResourceType(this.types, kind);
    if (type === undefined) throw new Error(`fake API server does not serve kind "${kind}"`);
    return type;
  }

  private requireDeployment(namespace: string, name: string): KubeObject {
    const deployment = this.store.get(this.typeFor("Deployment"), namespace, name);
    if (deployment === undefined) throw new Error(`no Deployment ${namespace}/${name} in the fake API server`);
    return deployment;
  }

  private requireObject(route: Route, name: string): KubeObject {
    const object = this.store.get(route.resource, route.namespace, name);
    if (object === undefined) throw notFound(route.resource, name);
    return object;
  }

  private requireNamespace(resource: ResourceType, namespace: string | undefined, dryRun: boolean): void {
    if (!resource.namespaced || namespace === undefined) return;
    if (this.store.get(this.typeFor("Namespace"), undefined, namespace) !== undefined) return;
    if (!this.autoCreateNamespaces) throw namespaceNotFound(namespace);
    if (!dryRun) this.createNamespace(namespace);
  }

  /** Checks a request body against the URL it was sent to, the way the API server's decoding does. */
  private checkIncoming(route: Route, body: unknown, urlName: string | undefined): KubeObject {
    if (!isRecord(body)) throw badRequest("the request body must be a JSON object");
    const expected = groupVersionOf(route.resource);
    if (route.subresource === "scale") {
      return { apiVersion: expected, kind: route.resource.kind, metadata: { name: urlName ?? "" } };
    }
    if (body.apiVersion !== undefined && body.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
    if (body.kind !== undefined && body.kind !== route.resource.kind) {
      throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${route.resource.kind})`);
    }
    const metadata = isRecord(body.metadata) ? { ...body.metadata } : {};
    const name = typeof metadata.name === "string" ? metadata.name : "";
    if (urlName !== undefined && name !== "" && name !== urlName) {
      throw badRequest(`the name of the object (${name}) does not match the name on the URL (${urlName})`);
    }
    const bodyNamespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
    if (route.resource.namespaced && bodyNamespace !== undefined && bodyNamespace !== "" && bodyNamespace !== route.namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    const object = cloneObject({ ...body, apiVersion: expected, kind: route.resource.kind }) as KubeObject;
    object.metadata = { ...metadata, name: urlName ?? name } as KubeObject["metadata"];
    if (route.resource.namespaced && route.namespace !== undefined) object.metadata.namespace = route.namespace;
    else delete object.metadata.namespace;
    return object;
  }

  private commitCreate(resource: ResourceType, incoming: KubeObject, dryRun: boolean, writer: FieldWriter): KubeObject {
    const object = cloneObject(incoming);
    for (const key of SERVER_MANAGED_METADATA) delete object.metadata[key];
    object.metadata.managedFields = trackWrite(undefined, object, writer);
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = nowIso();
    object.metadata.generation = 1;
    const status = initialStatus(object);
    if (status === undefined) delete object.status;
    else object.status = status;
    applyServerDefaults(object, undefined, () => this.allocateIp(dryRun));
    const causes = validateObject(object, undefined);
    if (causes.length > 0) throw invalid(resource, object.metadata.name, causes);
    if (dryRun) return object;
    const stored = this.store.write(resource, object);
    this.afterSpecChange(resource, stored);
    return stored;
  }

  /** Shared tail of PUT, PATCH and apply: keep server-owned fields, default, validate, bump generation. */
  private commitUpdate(
    resource: ResourceType,
    existing: KubeObject,
    candidate: KubeObject,
    dryRun: boolean,
    /** undefined for a status write: the status subresource's own entries are not tracked. */
    writer: FieldWriter | undefined,
  ): KubeObject {
    const statusOnly = writer === undefined;
    const next = cloneObject(candidate);
    next.apiVersion = existing.apiVersion;
    next.kind = existing.kind;
    const metadata = isRecord(next.metadata) ? next.metadata : {};
    next.metadata = { ...metadata, name: existing.metadata.name } as KubeObject["metadata"];
    for (const key of SERVER_MANAGED_METADATA) {
      if (existing.metadata[key] === undefined) delete next.metadata[key];
      else next.metadata[key] = existing.metadata[key];
    }
    next.metadata.managedFields = writer === undefined ? existing.metadata.managedFields : trackWrite(existing, next, writer);
    if (next.metadata.managedFields === undefined) delete next.metadata.managedFields;
    if (existing.metadata.namespace !== undefined) next.metadata.namespace = existing.metadata.namespace;
    if (!statusOnly) {
      if (existing.status === undefined) delete next.status;
      else next.status = existing.status;
    }
    applyServerDefaults(next, existing, () => this.allocateIp(dryRun));
    const causes = validateObject(next, existing);
    if (causes.length > 0) throw invalid(resource, existing.metadata.name, causes);

    const specChanged = !jsonEqual(desiredState(existing), desiredState(next));
    next.metadata.generation = (existing.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    const unchanged = jsonEqual(
      { ...existing, metadata: { ...existing.metadata, resourceVersion: undefined } },
      { ...next, metadata: { ...next.metadata, resourceVersion: undefined } },
    );
    // The real server skips no-op writes: no new resourceVersion, no watch event.
    if (unchanged || dryRun) return next;
    const stored = this.store.write(resource, next);
    if (specChanged) this.afterSpecChange(resource, stored);
    return stored;
  }

  private insert(resource: ResourceType, incoming: KubeObject): KubeObject {
    const object = cloneObject(incoming);
    object.metadata.uid ??= randomUUID();
    object.metadata.creationTimestamp ??= nowIso();
    object.metadata.generation ??= 1;
    if (object.status === undefined) {
      const status = initialStatus(object);
      if (status !== undefined) object.status = status;
    }
    applyServerDefaults(object, undefined, () => this.allocateIp());
    return this.store.write(resource, object);
  }

  /** Deletes an object and, unless orphaning, everything whose ownerReferences point at it. */
  private deleteWithDependents(resource: ResourceType, object: KubeObject, policy: string): void {
    if (resource.kind === "Namespace") {
      for (const entry of this.store.all()) {
        if (entry.resource.namespaced && entry.object.metadata.namespace === object.metadata.name) {
          this.store.remove(entry.resource, entry.object.metadata.namespace, entry.object.metadata.name);
        }
      }
    }
    this.store.remove(resource, object.metadata.namespace, object.metadata.name);
    const uid = object.metadata.uid;
    if (uid === undefined) return;
    for (const entry of this.store.all()) {
      const owners = entry.object.metadata.ownerReferences ?? [];
      if (!owners.some((o) => o.uid === uid)) continue;
      if (policy === "Orphan") {
        const orphan = entry.object;
        orphan.metadata.ownerReferences = owners.filter((o) => o.uid !== uid);
        this.store.write(entry.resource, orphan);
      } else {
        this.deleteWithDependents(entry.resource, entry.object, policy);
      }
    }
  }

  private afterSpecChange(resource: ResourceType, object: KubeObject): void {
    if (resource.kind !== "Deployment" || this.autoProgress === undefined) return;
    const namespace = object.metadata.namespace ?? "";
    const name = object.metadata.name;
    const generation = object.metadata.generation;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const current = this.store.get(resource, namespace, name);
      if (current === undefined || current.metadata.generation !== generation) return;
      this.progressDeployment(namespace, name, desiredReplicasOf(current));
    }, this.autoProgress.delayMs);
    this.timers.add(timer);
  }

  /** Makes the Deployment's Pods match `desired`: create missing, update changed, delete extra. */
  private syncPods(deployment: KubeObject, desired: KubeObject[]): void {
    const podType = this.typeFor("Pod");
    const uid = deployment.metadata.uid;
    const current = this.store.list(podType, deployment.metadata.namespace, (p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === uid));
    const wanted = new Set(desired.map((p) => p.metadata.name));
    for (const pod of current) {
      if (!wanted.has(pod.metadata.name)) this.store.remove(podType, pod.metadata.namespace, pod.metadata.name);
    }
    for (const pod of desired) {
      const existing = current.find((p) => p.metadata.name === pod.metadata.name);
      if (existing === undefined) {
        this.insert(podType, pod);
      } else if (!jsonEqual(existing.status, pod.status)) {
        // Keep the original startTime/transition times out of the comparison noise: only phase changes matter.
        const existingPhase = isRecord(existing.status) ? existing.status.phase : undefined;
        const wantedPhase = isRecord(pod.status) ? pod.status.phase : undefined;
        if (existingPhase !== wantedPhase) this.store.write(podType, { ...existing, status: pod.status });
      }
    }
  }

  /** A dry run shows the address a create would get but keeps it free, as the real allocator's dry-run mode does. */
  private allocateIp(dryRun = false): string {
    const n = dryRun ? this.nextIp : this.nextIp++;
    return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }
}

export function startFakeKubeApiServer(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
  return FakeKubeApiServer.start(options);
}

// ------------------------------------------------------------------ request parsing

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJsonOrText(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Apply bodies are YAML on the wire, but client-node sends JSON (a YAML subset); anything else is
 * refused loudly so a test notices rather than the fake guessing.
 */
function parseBody(raw: string): unknown {
  if (raw.trim() === "") throw badRequest("the request body is empty");
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw badRequest(`error decoding request body (this fake accepts JSON only): ${message}`);
  }
}

function parseDryRun(query: URLSearchParams): boolean {
  const values = query.getAll("dryRun");
  if (values.length === 0) return false;
  if (values.every((v) => v === "All")) return true;
  throw badRequest(`Invalid dryRun value: ${JSON.stringify(values)}; only "All" is supported`);
}

function parseSelectors(query: URLSearchParams, resource: ResourceType): { labels: LabelSelector; fields: FieldSelector } {
  try {
    return {
      labels: parseLabelSelector(query.get("labelSelector")),
      fields: parseFieldSelector(query.get("fieldSelector"), resource.fieldSelectors),
    };
  } catch (error) {
    if (error instanceof SelectorError) throw badRequest(error.message);
    throw error;
  }
}

function propagationPolicyOf(query: URLSearchParams, rawBody: string): string {
  let policy = query.get("propagationPolicy") ?? undefined;
  const body = parseJsonOrText(rawBody);
  if (policy === undefined && isRecord(body) && typeof body.propagationPolicy === "string") {
    policy = body.propagationPolicy;
  }
  if (policy === undefined) return "Background";
  if (!["Orphan", "Background", "Foreground"].includes(policy)) {
    throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}"`);
  }
  return policy;
}

function isNamespaceSub(segment: string | undefined): boolean {
  return segment === "status" || segment === "finalize";
}

// ------------------------------------------------------------------ object views

/** The autoscaling/v1 Scale view of a Deployment, as served on `/scale`. */
function scaleOf(object: KubeObject): Record<string, unknown> {
  const spec = isRecord(object.spec) ? object.spec : {};
  const status = isRecord(object.status) ? object.status : {};
  const selector = isRecord(spec.selector) && isStringMap(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas },
    status: {
      replicas: status.replicas ?? 0,
      selector: Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    },
  };
}

function withReplicas(existing: KubeObject, replicas: unknown): KubeObject {
  const spec = isRecord(existing.spec) ? existing.spec : {};
  return { ...existing, spec: { ...spec, replicas } };
}

/**
 * A store event as one watch sees it: with a label selector, an object that stops matching is
 * reported DELETED and one that starts matching is ADDED, as the real watch cache does.
 */
function translateForWatch(
  event: StoreEvent,
  route: Route,
  labels: LabelSelector,
  fields: FieldSelector,
): { type: WatchEventType; object: KubeObject } | undefined {
  if (event.resource !== route.resource) return undefined;
  if (route.namespace !== undefined && event.object.metadata.namespace !== route.namespace) return undefined;
  const matches = (o: KubeObject | undefined): boolean =>
    o !== undefined && matchesLabelSelector(labels, o.metadata.labels) && matchesFieldSelector(fields, o);
  const now = matches(event.object);
  if (event.eventType !== "MODIFIED") return now ? { type: event.eventType, object: event.object } : undefined;
  const before = matches(event.previous);
  if (now && before) return { type: "MODIFIED", object: event.object };
  if (now) return { type: "ADDED", object: event.object };
  if (before) return { type: "DELETED", object: event.object };
  return undefined;
}

/**
 * One kubeconfig with a context per server (named by the keys, in their order; each with its own
 * credentials), `current` the current one: environments on separate clusters.
 */
export function kubeConfigWithContexts(servers: Readonly<Record<string, FakeKubeApiServer>>, current: string): KubeConfig {
  const entries = Object.entries(servers);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: entries.map(([name, server]) => ({ name, server: server.url, skipTLSVerify: true })),
    users: entries.map(([name, server]) => ({ name: `${name}-bot`, token: server.token })),
    contexts: entries.map(([name]) => ({ name, cluster: name, user: `${name}-bot` })),
    currentContext: current,
  });
  return kubeConfig;
}
