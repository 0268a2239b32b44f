import type { Logger } from "pino";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { OperationRecord } from "../domain/operation.js";
import { messageTargetOf, type OperationProgress, type ProgressPublisher, type ProgressStep } from "../domain/progress.js";
import type { ProgressUpdate } from "./runContext.js";

/** Holds what the progress message shows and republishes it on each change. */
export class ProgressTracker {
  cleanedUp: string[] | undefined;
  private current: ProgressUpdate = {};
  /** What the message showed before an interruption the run did not choose (a database outage). */
  private beforeInterruption: ProgressUpdate | undefined;

  constructor(
    private readonly operation: OperationRecord,
    private readonly deployment: DeploymentRecord,
    readonly steps: ProgressStep[],
    private readonly publisher: ProgressPublisher,
    private readonly logger: Logger,
  ) {}

  /** Shows why the run stands still (the step it was at is shown again by `resume`). */
  async interrupt(step: string, detail: string): Promise<void> {
    this.beforeInterruption ??= this.current;
    this.steps.push({ at: new Date(), message: step });
    await this.publish({ phase: "retrying", detail });
  }

  /** Back to what the message showed before the interruption, with a step that says it ended. */
  async resume(step: string): Promise<void> {
    if (this.beforeInterruption) this.current = this.beforeInterruption;
    this.beforeInterruption = undefined;
    this.steps.push({ at: new Date(), message: step });
    await this.publish({});
  }

  async publish(
    update: ProgressUpdate,
    finish?: { operationStatus: OperationProgress["operationStatus"]; finishedAt: Date; final: true },
  ): Promise<void> {
    this.current = { ...this.current, ...definedOnly(update) };
    const progress: OperationProgress = {
      operationId: this.operation.id,
      kind: this.operation.kind,
      operationStatus: finish?.operationStatus ?? "running",
      phase: this.current.phase ?? "applying",
      requestedBy: this.operation.requestedBy,
      deploymentName: this.deployment.name,
      environment: this.deployment.environment,
      namespace: this.deployment.namespace,
      modelId: this.deployment.spec.modelId,
      modelVersion: this.current.modelVersion ?? this.deployment.spec.modelVersion,
      ...(this.current.readyReplicas !== undefined ? { readyReplicas: this.current.readyReplicas } : {}),
      ...(this.current.desiredReplicas !== undefined ? { desiredReplicas: this.current.desiredReplicas } : {}),
      ...(this.current.detail !== undefined ? { detail: this.current.detail } : {}),
      ...(this.cleanedUp ? { cleanedUp: this.cleanedUp } : {}),
      ...(this.current.rollout ? { rollout: this.current.rollout } : {}),
      steps: [...this.steps],
      ...(this.operation.startedAt ? { startedAt: this.operation.startedAt } : {}),
      ...(finish ? { finishedAt: finish.finishedAt } : {}),
    };
    // The message exists before the job starts (it is shown, then enqueued); when posting it
    // failed, the publisher finds the one it posts later.
    const target = messageTargetOf(this.operation);
    if (!finish) {
      // Never awaited: a rollout step does not wait for Slack. The publisher keeps the updates
      // of one message in order and coalesces them; a failure is logged, the next update retries.
      this.publisher.publish(target, progress).catch((error: unknown) => this.logger.warn({ err: error, operationId: this.operation.id }, "could not publish progress"));
      return;
    }
    try {
      await this.publisher.publish(target, progress, { final: true });
      // Operations that started from a confirmation have a thread: their outcome goes there too.
      if (target.threadTs) {
        const outcome = finish.operationStatus === "succeeded" ? ":white_check_mark:" : ":x:";
        await this.publisher.threadReply(target, `${outcome} ${progress.detail ?? finish.operationStatus}`);
      }
    } catch (error) {
      // Slack being away must not fail the operation: its record stays the source of truth (and
      // the publisher keeps retrying the outcome).
      this.logger.warn({ err: error, operationId: this.operation.id }, "could not publish the outcome");
    }
  }
}

function definedOnly(update: ProgressUpdate): ProgressUpdate {
  return Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)) as ProgressUpdate;
}
