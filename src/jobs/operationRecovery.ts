import type { Logger } from "pino";
import type { OperationRepository } from "../store/operationRepository.js";
import type { OperationQueue } from "./operationQueue.js";
import type { OperationRunner } from "./operationRunner.js";

/**
 * Makes sure no recorded operation is forgotten: an operation left queued while Redis was down,
 * or whose job vanished, is enqueued again; one whose job the queue gave up on is settled as
 * failed (releasing its deployment). Runs at start and then periodically.
 */
export class OperationRecovery {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: { operations: OperationRepository; queue: OperationQueue; runner: OperationRunner; logger: Logger },
  ) {}

  async sweep(): Promise<{ requeued: number; settled: number }> {
    let requeued = 0;
    let settled = 0;
    for (const operation of await this.deps.operations.unfinishedQueuedOrRunning()) {
      const job = await this.deps.queue.queue.getJob(operation.id);
      if (!job) {
        await this.deps.queue.enqueue(operation.id);
        requeued += 1;
        continue;
      }
      const state = await job.getState();
      if (state === "delayed" && (await this.deps.operations.hasPendingControl(operation.id))) {
        // A parked rollout whose click could not wake it (Redis was away at that moment).
        await this.deps.queue.wake(operation.id);
        continue;
      }
      if (state === "failed" || state === "completed") {
        await this.deps.runner.abandon(operation.id, job.failedReason || "The job ended without finishing the operation.");
        settled += 1;
      }
    }
    if (requeued + settled > 0) this.deps.logger.info({ requeued, settled }, "recovered operations");
    return { requeued, settled };
  }

  start(intervalMs: number): void {
    const tick = () => {
      this.sweep().catch((error: unknown) => this.deps.logger.warn({ err: error }, "operation recovery sweep failed; will retry"));
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
