import type { Logger } from "pino";
import type { KubernetesCluster } from "../cluster/kubernetesClient.js";
import type { ApplyOwner } from "../cluster/ownership.js";
import type { RenderContext } from "../cluster/render/renderContext.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { Environment } from "../domain/deploymentSpec.js";
import { isDeploymentStatus, statusAfter, statusWhileRunning, type DeploymentStatus } from "../domain/deploymentStatus.js";
import { isAtGate, isFinished, type OperationRecord } from "../domain/operation.js";
import type { ProgressPublisher, ProgressStep } from "../domain/progress.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRepository } from "../store/operationRepository.js";
import type { RunSettlement } from "../store/operationRuns.js";
import { fenceOf, isStaleRun } from "../domain/runFence.js";
import { DatabaseOutageWait, isDatabaseOutage, waitingOutOutages } from "./databaseOutageWait.js";
import { isRetryable, messageOf } from "./operationFailure.js";
import { isParkRun } from "./parkRun.js";
import { fencedCluster } from "./fencedCluster.js";
import { ProgressTracker } from "./progressTracker.js";
import type { KindRunner, OperationRunContext, RunResult } from "./runContext.js";
import type { DeploymentPods } from "../cluster/deploymentPods.js";

export interface OperationRunnerDependencies {
  deployments: DeploymentRepository;
  operations: OperationRepository;
  /** The cluster of each environment (environments may live on separate clusters). */
  clusterFor(environment: Environment): KubernetesCluster;
  renderContextFor(namespace: string): RenderContext;
  publisher: ProgressPublisher;
  runners: Partial<Record<OperationRecord["kind"], KindRunner>>;
  logger: Logger;
  /** Explains failed rollouts from the pods' states and events. */
  podsFor?(environment: Environment): DeploymentPods;
  /** How long a run waits in place for an unreachable database (default DATABASE_OUTAGE_WAIT_MS). */
  databaseOutageWaitMs?: number;
}

export interface AttemptInfo {
  attempt: number;
  maxAttempts: number;
  /** Delay before the queue tries again, to tell the channel. */
  nextDelayMs: number;
  signal: AbortSignal;
}

export type RunOutcome = "succeeded" | "failed" | "skipped" | "retrying";

/**
 * How long a settlement claim holds. Clean-up waits at most for deletions (60 s by default) and a
 * few writes; a claim older than this was left by a process that died, and is taken over.
 */
const SETTLE_CLAIM_TIMEOUT_MS = 5 * 60_000;

/**
 * How long a run waits where it is for PostgreSQL to come back: a restart or a fail-over takes
 * seconds to a minute. A longer outage fails the attempt, and the queue retries it later.
 */
export const DATABASE_OUTAGE_WAIT_MS = 3 * 60_000;

function seconds(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}

/** What the channel is told of a failure: an unreachable database in words, not the driver's. */
function reasonOf(error: unknown): string {
  return isDatabaseOutage(error) ? "The deploybot database is unreachable" : messageOf(error);
}

function ownerOf(operation: OperationRecord, deployment: DeploymentRecord): ApplyOwner {
  return { deploymentId: deployment.id, deploymentName: deployment.name, operationId: operation.id };
}

/** Raised to let the queue retry the job after a transient failure was recorded and shown. */
export class RetryLater extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "RetryLater";
  }
}

/**
 * Runs one operation from the queue: moves the operation and its deployment through the state
 * machine, hands the cluster work to the operation's runner, records every step, and keeps the
 * channel's progress message current. Safe to run again for the same operation (a retry, or a
 * worker that picked up a stalled job): finished operations are skipped, cluster work is
 * idempotent server-side apply.
 */
export class OperationRunner {
  constructor(private readonly deps: OperationRunnerDependencies) {}

  async run(operationId: string, attempt: AttemptInfo): Promise<RunOutcome> {
    const { operations, deployments, logger } = this.deps;
    const operation = await operations.get(operationId);
    if (!operation || isFinished(operation.status) || isAtGate(operation.status)) return "skipped";
    // Claimed for settling (see claimSettlement): its clean-up runs elsewhere, never beside a run.
    if (operation.settlingSince !== null) return "skipped";
    const deployment = operation.deploymentId ? await deployments.get(operation.deploymentId) : null;
    if (!deployment) {
      await operations.transition(operation.id, ["queued", "running"], "failed", {
        error: "The deployment no longer exists.",
        finishedAt: new Date(),
      });
      return "failed";
    }

    const log = logger.child({ operationId, kind: operation.kind, deployment: deployment.name });
    const statusBefore = this.statusBefore(operation, deployment);
    // The last check of a request against the spec it was based on, before anything is applied
    // (a resumed run has changed the spec itself, so only the first start is checked).
    if (!operation.startedAt && operation.baseSpecVersion !== null && operation.baseSpecVersion !== deployment.specVersion) {
      const reason = `The request is stale: ${deployment.name} changed since it was requested. Nothing was applied; request it again if it still applies.`;
      const tracker = await this.progressTracker(operation, deployment);
      await this.fail(operation, deployment, statusBefore, reason, new Error(reason), this.contextFor(operation, deployment, tracker, attempt.signal), tracker, undefined);
      return "failed";
    }
    // The run takes the next epoch: a worker still running an earlier attempt of this operation
    // (its job taken over after its lock expired) is fenced from here on.
    const running = await operations.beginRun(operation.id, statusWhileRunning(operation.kind), new Date());
    if (!running) return "skipped";
    const fence = fenceOf(running);

    const tracker = await this.progressTracker(running, deployment);
    const wait = this.databaseOutageWait(tracker, attempt.signal, log);
    const context = this.contextFor(running, deployment, tracker, attempt.signal, { logger: log, wait, publishSteps: true });
    const runner = this.deps.runners[operation.kind];
    try {
      if (!runner) throw new Error(`deploybot has no runner for ${operation.kind} operations.`);
      const result = await runner.run(context);
      await this.succeed(running, deployment, result, tracker, wait);
      log.info({ detail: result.detail }, "operation succeeded");
      return "succeeded";
    } catch (error) {
      if (isParkRun(error)) {
        // Nothing to do until a click or the pause cap: the worker parks the job (no slot, no attempt).
        log.info({ wakeAt: new Date(error.wakeAt).toISOString() }, "operation parked");
        throw error;
      }
      if (isStaleRun(error)) {
        // A newer run (or a settler) holds the operation: this one stops without another write.
        log.warn({ err: error, epoch: fence.epoch }, "stale run fenced: its write was refused; leaving the operation to the newer run");
        return "skipped";
      }
      const reason = reasonOf(error);
      if (isRetryable(error) && attempt.attempt < attempt.maxAttempts && !attempt.signal.aborted) {
        const delay = Math.round(attempt.nextDelayMs / 1000);
        // The channel hears of the retry even when the database that would record it is away.
        await operations.recordRunEvent(fence, "retry", reason, { attempt: attempt.attempt }).catch((recordError: unknown) => log.warn({ err: recordError }, "could not record the retry"));
        tracker.steps.push({ at: new Date(), message: `${reason}: retrying in ${delay} s` });
        await tracker.publish({ phase: "retrying", detail: `${reason}. Retrying in ${delay} s (attempt ${attempt.attempt} of ${attempt.maxAttempts}).` });
        log.warn({ err: error, attempt: attempt.attempt }, "operation will be retried");
        throw new RetryLater(reason);
      }
      if (attempt.signal.aborted) throw new RetryLater("worker shutting down");
      log.error({ err: error }, "operation failed");
      await this.fail(running, deployment, statusBefore, reason, error, context, tracker, runner, wait);
      return "failed";
    }
  }

  /**
   * Ends an operation the queue gave up on without our runner deciding it (a worker that kept
   * crashing on it, say), so that no deployment stays locked and no message says "running".
   */
  async abandon(operationId: string, reason: string): Promise<void> {
    const operation = await this.deps.operations.get(operationId);
    if (!operation || isFinished(operation.status)) return;
    const deployment = operation.deploymentId ? await this.deps.deployments.get(operation.deploymentId) : null;
    if (!deployment) {
      await this.deps.operations.transition(operationId, ["queued", "running"], "failed", { error: reason, finishedAt: new Date() });
      return;
    }
    const tracker = await this.progressTracker(operation, deployment);
    const context = this.contextFor(operation, deployment, tracker, new AbortController().signal);
    const statusBefore = this.statusBefore(operation, deployment);
    await this.fail(operation, deployment, statusBefore, reason, new Error(reason), context, tracker, this.deps.runners[operation.kind]);
  }

  /** Whether someone clicked a button the operation's run has not taken yet (a parked job must wake). */
  async hasPendingControl(operationId: string): Promise<boolean> {
    return this.deps.operations.hasPendingControl(operationId);
  }

  /**
   * What a runner (or its compensation) works with, fenced by the operation's epoch. A run's own
   * context waits out database outages (`wait`) and shows each step on the message as it comes
   * (`publishSteps`); a settler's steps reach the message with its final publish.
   */
  private contextFor(
    operation: OperationRecord,
    deployment: DeploymentRecord,
    tracker: ProgressTracker,
    signal: AbortSignal,
    options: { logger?: Logger; wait?: DatabaseOutageWait; publishSteps?: boolean } = {},
  ): OperationRunContext {
    const { operations } = this.deps;
    const { wait } = options;
    const write = <T>(work: () => Promise<T>): Promise<T> => (wait ? wait.through(work) : work());
    const fence = fenceOf(operation);
    return {
      operation,
      deployment,
      cluster: fencedCluster(this.deps.clusterFor(deployment.environment), (change) => write(() => operations.assertRunCurrent(fence, change))),
      owner: ownerOf(operation, deployment),
      ...(this.deps.podsFor ? { pods: this.deps.podsFor(deployment.environment) } : {}),
      deployments: wait ? waitingOutOutages(this.deps.deployments, wait) : this.deps.deployments,
      renderContext: this.deps.renderContextFor(deployment.namespace),
      logger: options.logger ?? this.deps.logger,
      signal,
      step: async (message, data) => {
        await write(() => operations.recordRunEvent(fence, "step", message, data));
        tracker.steps.push({ at: new Date(), message });
        if (options.publishSteps) await tracker.publish({});
      },
      progress: (update) => tracker.publish(update),
    };
  }

  /** The outcome's audit entry, written with the settlement (the deployment as it leaves it is the `after` of a success). */
  private outcomeAudit(operation: OperationRecord, deployment: DeploymentRecord, action: "succeeded" | "failed", reason: string): NonNullable<RunSettlement["audit"]> {
    return {
      entry: {
        actorId: "deploybot",
        channelId: operation.channelId,
        deploymentName: deployment.name,
        environment: deployment.environment,
        operationId: operation.id,
        action,
        decision: operation.kind,
        reason,
        before: { status: deployment.status, replicas: deployment.replicas, spec: deployment.spec },
      },
      withStateAfter: action === "succeeded",
    };
  }

  private statusBefore(operation: OperationRecord, deployment: DeploymentRecord): DeploymentStatus {
    const recorded = operation.params.statusBefore;
    return typeof recorded === "string" && isDeploymentStatus(recorded) ? recorded : deployment.status;
  }

  /**
   * The run's database writes wait out an outage where they are (the cluster work done so far is
   * not redone by a retry); the progress message says the database is away, then that it is back.
   */
  private databaseOutageWait(tracker: ProgressTracker, signal: AbortSignal, log: Logger): DatabaseOutageWait {
    return new DatabaseOutageWait({
      maxWaitMs: this.deps.databaseOutageWaitMs ?? DATABASE_OUTAGE_WAIT_MS,
      signal,
      onOutage: (error) => {
        log.warn({ err: error }, "the database is unreachable: the run waits for it");
        void tracker.interrupt(
          "The deploybot database is unreachable: waiting for it",
          "The deploybot database is unreachable; the operation waits for it and resumes when it is back. Nothing done so far is lost.",
        );
      },
      onBack: (outageMs) => {
        const step = `The database was unreachable for ${seconds(outageMs)} s; resumed`;
        log.info({ outageMs }, "the database is back: the run goes on");
        void tracker.resume(step);
      },
    });
  }

  /** Ends a run as succeeded: the operation, its deployment and the event in one transaction (refused when stale). */
  private async succeed(operation: OperationRecord, deployment: DeploymentRecord, result: RunResult, tracker: ProgressTracker, wait: DatabaseOutageWait): Promise<void> {
    const after = statusAfter(operation.kind, "succeeded", this.statusBefore(operation, deployment), deployment.statusBeforeMissing);
    // An outage before the settlement is part of the outcome the trail and the message tell.
    const detailNow = () => (wait.delayedMs > 0 ? `${result.detail} (delayed ${seconds(wait.delayedMs)} s by a database outage, resumed once it was back)` : result.detail);
    const settle = (finishedAt: Date) =>
      this.deps.operations.settleRun(fenceOf(operation), "succeeded", {
        deploymentId: deployment.id,
        deploymentStatus: after,
        statusReason: null,
        event: { step: "succeeded", message: result.detail },
        finishedAt,
        result: { detail: result.detail },
        audit: this.outcomeAudit(operation, deployment, "succeeded", detailNow()),
      });
    await wait.through(() => settle(new Date()));
    const finishedAt = new Date();
    const detail = detailNow();
    tracker.steps.push({ at: finishedAt, message: detail });
    await tracker.publish(
      { phase: "succeeded", detail, readyReplicas: result.readyReplicas, desiredReplicas: result.desiredReplicas },
      { operationStatus: "succeeded", finishedAt, final: true },
    );
  }

  /**
   * Ends an operation as failed, once: the claim (which fences every earlier run) decides who
   * compensates, then the operation, its deployment and the event change in one transaction.
   */
  private async fail(
    operation: OperationRecord,
    deployment: DeploymentRecord,
    statusBefore: DeploymentStatus,
    reason: string,
    error: unknown,
    context: OperationRunContext,
    tracker: ProgressTracker,
    runner: KindRunner | undefined,
    wait?: DatabaseOutageWait,
  ): Promise<void> {
    const { operations, logger } = this.deps;
    // A run's settlement waits out an outage like its other writes; an abandoned operation's does not wait.
    const write = <T>(work: () => Promise<T>): Promise<T> => (wait ? wait.through(work) : work());
    const epoch = await write(() => {
      const claimedAt = new Date();
      return operations.claimSettlement(operation.id, claimedAt, new Date(claimedAt.getTime() - SETTLE_CLAIM_TIMEOUT_MS), operation.runEpoch);
    });
    if (epoch === null) {
      logger.warn({ operationId: operation.id, reason }, "operation is already being settled elsewhere (or a newer run holds it); not compensating it twice");
      return;
    }
    const settling: OperationRecord = { ...operation, runEpoch: epoch };
    const settlingContext = this.contextFor(settling, deployment, tracker, context.signal, { logger: context.logger });
    let cleanedUp: string[] = [];
    let cleanupProblem: string | undefined;
    if (runner?.compensate) {
      await tracker.publish({ phase: "cleaning-up", detail: reason });
      try {
        cleanedUp = await runner.compensate(settlingContext, error);
      } catch (cleanupError) {
        cleanupProblem = messageOf(cleanupError);
        logger.error({ err: cleanupError, operationId: operation.id }, "clean-up after a failed operation failed");
      }
    }
    const finishedAt = new Date();
    const after = statusAfter(operation.kind, "failed", statusBefore);
    const statusReason = cleanupProblem ? `${reason} (clean-up incomplete: ${cleanupProblem})` : reason;
    await write(() =>
      operations.settleRun(fenceOf(settling), "failed", {
        deploymentId: deployment.id,
        deploymentStatus: after === "deleted" ? "failed" : after,
        statusReason,
        event: { step: "failed", message: statusReason, data: { cleanedUp } },
        finishedAt,
        error: statusReason,
        result: { cleanedUp },
        audit: this.outcomeAudit(operation, deployment, "failed", statusReason),
      }),
    );
    tracker.cleanedUp = cleanedUp;
    tracker.steps.push({ at: finishedAt, message: `Failed: ${statusReason}` });
    await tracker.publish({ phase: "failed", detail: statusReason }, { operationStatus: "failed", finishedAt, final: true });
  }

  private async progressTracker(operation: OperationRecord, deployment: DeploymentRecord): Promise<ProgressTracker> {
    const events = await this.deps.operations.events(operation.id);
    const steps: ProgressStep[] = events.filter((event) => event.step === "step").map((event) => ({ at: event.at, message: event.message }));
    return new ProgressTracker(operation, deployment, steps, this.deps.publisher, this.deps.logger);
  }
}
