import type { Logger } from "pino";
import type { OperationRepository } from "../store/operationRepository.js";
import type { OperationQueue } from "./operationQueue.js";
import type { OperationRunner } from "./operationRunner.js";

/**
 * How long a queued operation without its first message is left to the request that recorded it.
 * That request posts the message, then enqueues the operation; enqueued by the sweep in between,
 * the job would find no message and post one of its own beside the request's. One still without a
 * message after this lost its request (a crash between the record and the post): it runs, and its
 * job posts the message.
 */
export const ANNOUNCEMENT_GRACE_MS = 30_000;

/**
 * Makes sure no recorded operation is forgotten: an operation left queued while Redis was down,
 * or whose job vanished, is enqueued again; one whose job the queue gave up on is settled as
 * failed (releasing its deployment). Runs at start and then periodically.
 */
export class OperationRecovery {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: { operations: OperationRepository; queue: OperationQueue; runner: OperationRunner; logger: Logger; now?: () => Date },
  ) {}

  async sweep(): Promise<{ requeued: number; settled: number }> {
    let requeued = 0;
    let settled = 0;
    const now = (this.deps.now?.() ?? new Date()).getTime();
    for (const operation of await this.deps.operations.unfinishedQueuedOrRunning()) {
      const job = await this.deps.queue.queue.getJob(operation.id);
      if (!job) {
        if (operation.status === "queued" && operation.messageTs === null && now - operation.createdAt.getTime() < ANNOUNCEMENT_GRACE_MS) continue;
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
