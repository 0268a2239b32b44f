import type { V1Deployment, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { toClusterError } from "./clusterError.js";
import { rolloutStatusOf, type RolloutWatchResult, type RolloutStatus } from "./rolloutStatus.js";

/**
 * Follows one Deployment until its rollout is ready, failed, or out of time.
 *
 * A watch alone is not dependable over minutes: API servers end watch streams on their own
 * schedule, proxies cut idle connections, and a resourceVersion can be compacted away (410 Gone).
 * So: read first (the state may already be final, and the read gives the resourceVersion to watch
 * from), resume the watch from the last seen resourceVersion whenever it ends, re-read on 410, and
 * after repeated watch errors give up on watching and poll with GET until the deadline.
 */

export interface WatchRolloutOptions {
  timeoutMs: number;
  /** Aborting rejects the returned promise with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called when the phase or the ready/desired counts change, never twice for the same state.
   * Calls are serialised (an async callback finishes before the next starts), and the outcome is
   * delivered only after the last call has settled, so progress messages never overtake it.
   */
  onProgress?: (status: RolloutStatus) => void | Promise<void>;
  /** GET interval once watching has been abandoned (default 2000 ms). */
  pollIntervalMs?: number;
}

export interface RolloutWatchDependencies {
  watch: Pick<Watch, "watch">;
  /** Resolves null when the Deployment does not exist; throws ClusterError otherwise. */
  readDeployment: (namespace: string, name: string) => Promise<V1Deployment | null>;
  logger: Logger;
}

/** Consecutive watch failures after which the follower stops watching and polls. */
const MAX_WATCH_FAILURES = 3;
/** Upper bound for one watch request; a long rollout re-establishes it, which is cheap. */
const MAX_WATCH_SECONDS = 300;
/** A watch that ends sooner than this without error counts towards reconnect back-off. */
const QUICK_END_MS = 1000;

const NOTHING_OBSERVED: RolloutStatus = {
  desiredReplicas: 0,
  updatedReplicas: 0,
  readyReplicas: 0,
  availableReplicas: 0,
  phase: "progressing",
  message: "No status observed yet",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The rollout watch was aborted", "AbortError");
}

export function watchDeploymentRollout(
  deps: RolloutWatchDependencies,
  namespace: string,
  name: string,
  options: WatchRolloutOptions,
): Promise<RolloutWatchResult> {
  return new RolloutFollower(deps, namespace, name, options).run();
}

class RolloutFollower {
  private settled = false;
  private lastStatus: RolloutStatus | undefined;
  private lastProgressKey: string | undefined;
  private resourceVersion: string | undefined;
  private controller: AbortController | undefined;
  /** Identifies the current watch; callbacks from an abandoned one compare unequal and are ignored. */
  private attempt = 0;
  private watchFailures = 0;
  private quickEnds = 0;
  private polling = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private progressChain: Promise<void> = Promise.resolve();
  private readonly deadline: number;
  private readonly pollIntervalMs: number;
  private readonly log: Logger;
  private resolveOutcome: (outcome: RolloutWatchResult) => void = () => {};
  private rejectOutcome: (error: unknown) => void = () => {};

  constructor(
    private readonly deps: RolloutWatchDependencies,
    private readonly namespace: string,
    private readonly name: string,
    private readonly options: WatchRolloutOptions,
  ) {
    this.deadline = Date.now() + options.timeoutMs;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.log = deps.logger.child({ namespace, deployment: name });
  }

  run(): Promise<RolloutWatchResult> {
    return new Promise<RolloutWatchResult>((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
      const { signal } = this.options;
      if (signal?.aborted) {
        this.settled = true;
        reject(abortReason(signal));
        return;
      }
      signal?.addEventListener("abort", this.onAbort, { once: true });
      this.schedule(() => this.finish({ result: "timeout", status: this.lastStatus ?? NOTHING_OBSERVED }), Math.max(0, this.options.timeoutMs));
      void this.resync();
    });
  }

  private readonly onAbort = (): void => {
    const { signal } = this.options;
    if (signal !== undefined) this.fail(abortReason(signal));
  };

  /** GET the Deployment, take its state and resourceVersion, then watch (or keep polling). */
  private async resync(): Promise<void> {
    let deployment: V1Deployment | null;
    try {
      deployment = await this.deps.readDeployment(this.namespace, this.name);
    } catch (error) {
      if (this.settled) return;
      const clusterError = toClusterError(error, { kind: "Deployment", name: this.name, namespace: this.namespace });
      if (!clusterError.retryable) {
        this.fail(clusterError);
        return;
      }
      this.log.warn({ err: clusterError }, "reading the deployment failed; retrying");
      this.schedule(() => void this.resync(), this.pollIntervalMs);
      return;
    }
    if (this.settled) return;
    if (deployment === null) {
      this.finishMissing(this.lastStatus === undefined ? "DeploymentNotFound" : "DeploymentDeleted");
      return;
    }
    this.resourceVersion = deployment.metadata?.resourceVersion;
    this.observe(deployment);
    if (this.settled) return;
    if (this.polling) this.schedule(() => void this.resync(), this.pollIntervalMs);
    else await this.startWatch();
  }

  private async startWatch(): Promise<void> {
    if (this.settled) return;
    const attempt = ++this.attempt;
    const startedAt = Date.now();
    const remainingSeconds = Math.ceil((this.deadline - startedAt) / 1000);
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(this.namespace)}/deployments`;
    const query = {
      fieldSelector: `metadata.name=${this.name}`,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: Math.min(Math.max(remainingSeconds, 1), MAX_WATCH_SECONDS),
    };
    let controller: AbortController;
    try {
      controller = await this.deps.watch.watch(
        path,
        query,
        (type: string, object: unknown) => this.onEvent(attempt, type, object),
        (error: unknown) => this.onWatchEnd(attempt, error, startedAt),
      );
    } catch (error) {
      this.onWatchEnd(attempt, error, startedAt);
      return;
    }
    if (this.settled || attempt !== this.attempt) controller.abort();
    else this.controller = controller;
  }

  private onEvent(attempt: number, type: string, object: unknown): void {
    if (this.settled || attempt !== this.attempt) return;
    if (type === "ERROR") {
      this.abandonWatch();
      const code = isRecord(object) ? object.code : undefined;
      if (code === 410) {
        // Our resourceVersion was compacted away: only a fresh read can tell what we missed.
        this.log.debug("watch resourceVersion expired; re-reading the deployment");
        this.resourceVersion = undefined;
        void this.resync();
      } else {
        const message = isRecord(object) && typeof object.message === "string" ? object.message : JSON.stringify(object);
        this.onWatchFailure(new Error(`watch error event: ${message}`));
      }
      return;
    }
    const metadata = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
    if (typeof metadata.resourceVersion === "string") this.resourceVersion = metadata.resourceVersion;
    if (type === "BOOKMARK") return;
    if (metadata.name !== this.name) return;
    this.watchFailures = 0;
    this.quickEnds = 0;
    if (type === "DELETED") {
      this.finishMissing("DeploymentDeleted");
    } else if (type === "ADDED" || type === "MODIFIED") {
      // Watch events are plain JSON, not client-node model instances; rolloutStatusOf reads only
      // numbers and strings, which have the same shape in both.
      this.observe(object as V1Deployment);
    }
  }

  private onWatchEnd(attempt: number, error: unknown, startedAt: number): void {
    if (this.settled || attempt !== this.attempt) return;
    this.controller = undefined;
    if (error !== null && error !== undefined) {
      this.onWatchFailure(error);
      return;
    }
    // The server closed the stream (timeoutSeconds, restart, load balancer): resume where we were.
    this.quickEnds = Date.now() - startedAt < QUICK_END_MS ? this.quickEnds + 1 : 0;
    const delay = this.quickEnds === 0 ? 0 : Math.min(5000, 100 * 2 ** this.quickEnds);
    this.log.debug({ delay }, "watch stream ended; resuming");
    this.schedule(() => void this.startWatch(), delay);
  }

  private onWatchFailure(error: unknown): void {
    const statusCode = isRecord(error) ? error.statusCode : undefined;
    if (statusCode === 410) {
      this.resourceVersion = undefined;
      void this.resync();
      return;
    }
    this.watchFailures++;
    if (this.watchFailures >= MAX_WATCH_FAILURES && !this.polling) {
      this.polling = true;
      this.log.warn({ err: error }, "deployment watch keeps failing; polling instead");
    } else {
      this.log.warn({ err: error, failures: this.watchFailures }, "deployment watch failed; re-reading and watching again");
    }
    const delay = this.polling ? this.pollIntervalMs : Math.min(this.pollIntervalMs, 250 * 2 ** (this.watchFailures - 1));
    this.schedule(() => void this.resync(), delay);
  }

  private observe(deployment: V1Deployment): void {
    const status = rolloutStatusOf(deployment);
    this.lastStatus = status;
    this.reportIfChanged(status);
    if (status.phase === "ready") this.finish({ result: "ready", status });
    else if (status.phase === "failed") this.finish({ result: "failed", status, reason: status.reason ?? "RolloutFailed" });
  }

  private reportIfChanged(status: RolloutStatus): void {
    const key = `${status.phase}|${status.readyReplicas}|${status.desiredReplicas}`;
    if (key === this.lastProgressKey) return;
    this.lastProgressKey = key;
    const { onProgress } = this.options;
    if (onProgress === undefined) return;
    this.progressChain = this.progressChain
      .then(() => onProgress(status))
      .catch((error: unknown) => this.log.warn({ err: error }, "rollout progress callback failed"));
  }

  private finishMissing(reason: "DeploymentNotFound" | "DeploymentDeleted"): void {
    const status: RolloutStatus = {
      ...(this.lastStatus ?? NOTHING_OBSERVED),
      phase: "failed",
      reason,
      message:
        reason === "DeploymentDeleted"
          ? `deployment "${this.name}" was deleted during the rollout`
          : `deployment "${this.name}" does not exist in ${this.namespace}`,
    };
    this.lastStatus = status;
    this.reportIfChanged(status);
    this.finish({ result: "failed", status, reason });
  }

  private finish(outcome: RolloutWatchResult): void {
    if (this.settled) return;
    this.stop();
    this.log.info({ result: outcome.result, status: outcome.status }, "rollout watch finished");
    void this.progressChain.then(() => this.resolveOutcome(outcome));
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.stop();
    void this.progressChain.then(() => this.rejectOutcome(error));
  }

  private stop(): void {
    this.settled = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abandonWatch();
    this.options.signal?.removeEventListener("abort", this.onAbort);
  }

  private abandonWatch(): void {
    this.attempt++;
    this.controller?.abort();
    this.controller = undefined;
  }

  private schedule(action: () => void, delayMs: number): void {
    if (this.settled) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.settled) action();
    }, delayMs);
    this.timers.add(timer);
  }
}
