import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { OPERATION_JOB_ATTEMPTS, OPERATION_JOB_BACKOFF_MS, OPERATIONS_QUEUE_NAME, type OperationJobData } from "./operationQueue.js";
import type { OperationRunner } from "./operationRunner.js";
import { isParkRun } from "./parkRun.js";

export interface OperationWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  logger: Logger;
  /** A job whose worker died is taken over after this long without its lock being renewed. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * The BullMQ worker that runs operations. Stalled-job recovery hands a job whose worker died to
 * another worker; the runner then resumes from the operation's record in Postgres.
 */
export interface OperationWorker {
  worker: Worker<OperationJobData>;
  /** Stops taking jobs, lets running runners see the abort, and waits for them to return. */
  close(): Promise<void>;
}

/**
 * Whether a `failed` event ends the job. BullMQ emits `failed` for every failed attempt, also the
 * ones it retries (moved to delayed); only a job moved to the failed set gets `finishedOn`.
 */
export function isFinalFailure(job: Job<OperationJobData>): boolean {
  return typeof job.finishedOn === "number";
}

export function startOperationWorker(runner: OperationRunner, options: OperationWorkerOptions): OperationWorker {
  const shutdown = new AbortController();
  const worker = new Worker<OperationJobData>(
    OPERATIONS_QUEUE_NAME,
    async (job: Job<OperationJobData>, token?: string) => {
      const attempt = job.attemptsMade + 1;
      const maxAttempts = job.opts.attempts ?? OPERATION_JOB_ATTEMPTS;
      try {
        return await runner.run(job.data.operationId, {
          attempt,
          maxAttempts,
          nextDelayMs: OPERATION_JOB_BACKOFF_MS * 2 ** (attempt - 1),
          signal: shutdown.signal,
        });
      } catch (error) {
        if (isParkRun(error)) {
          await job.moveToDelayed(error.wakeAt, token);
          // A click that arrived while the run was parking found the job still active and could
          // not wake it: look once more now that it is delayed.
          if (await runner.hasPendingControl(job.data.operationId)) await job.promote();
          throw new DelayedError();
        }
        if (shutdown.signal.aborted) {
          // Interrupted by a shutdown, not failed: back to the queue at once, without an attempt.
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        throw error;
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
      autorun: true,
    },
  );

  worker.on("failed", (job, error) => {
    if (!job || !isFinalFailure(job)) return;
    // The queue has given up (attempts used, or an unrecoverable error): settle the record. A
    // failed attempt that BullMQ will retry is not final, and compensating it would run the
    // clean-up beside the retry.
    runner.abandon(job.data.operationId, `Gave up after ${job.attemptsMade} attempts: ${error.message}`).catch((abandonError: unknown) => {
      options.logger.error({ err: abandonError, operationId: job.data.operationId }, "could not settle an abandoned operation");
    });
  });
  worker.on("error", (error) => options.logger.error({ err: error }, "operation worker error"));

  return {
    worker,
    async close() {
      shutdown.abort();
      await worker.close();
    },
  };
}
