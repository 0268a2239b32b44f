import type { Queue, Worker } from "bullmq";
import type { BotMetrics, QueueSnapshot } from "./metrics.js";

const COUNTED_STATES = ["waiting", "active", "delayed", "prioritized", "waiting-children", "failed"] as const;

/** The queue's depth by state and the age of the job that has waited longest; read on scrape. */
export async function queueSnapshot(queue: Queue): Promise<QueueSnapshot> {
  const [counts, oldest] = await Promise.all([queue.getJobCounts(...COUNTED_STATES), queue.getJobs(["waiting", "prioritized"], 0, 0, true)]);
  const waitingSince = oldest.map((job) => job.timestamp).filter((timestamp) => Number.isFinite(timestamp));
  const oldestWaitingSeconds = waitingSince.length > 0 ? Math.max(0, (Date.now() - Math.min(...waitingSince)) / 1000) : 0;
  return { counts, oldestWaitingSeconds };
}

/**
 * Counts operation runs by kind and outcome from the worker's own events, so the runner needs no
 * knowledge of metrics. A run returns its outcome (succeeded, failed, skipped); a run that throws
 * is `retrying` when the queue will try again, `abandoned` when it gave up.
 */
export function observeOperationOutcomes(
  worker: Worker<{ operationId: string }>,
  kindOf: (operationId: string) => Promise<string | undefined>,
  metrics: BotMetrics,
): void {
  const record = (operationId: string, outcome: string) => {
    kindOf(operationId).then(
      (kind) => metrics.operationFinished(kind ?? "unknown", outcome),
      () => metrics.operationFinished("unknown", outcome),
    );
  };
  worker.on("completed", (job, result: unknown) => record(job.data.operationId, typeof result === "string" ? result : "succeeded"));
  worker.on("failed", (job, error) => {
    if (!job) return;
    const willRetry = error.name === "RetryLater" && job.attemptsMade < (job.opts.attempts ?? 1);
    record(job.data.operationId, willRetry ? "retrying" : "abandoned");
  });
}
