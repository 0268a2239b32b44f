import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export const OPERATIONS_QUEUE_NAME = "operations";

export interface OperationJobData {
  operationId: string;
}

/**
 * Retries cover a cluster or database that is briefly away: exponential backoff from 5 s gives
 * about five minutes before an operation is declared failed.
 */
export const OPERATION_JOB_ATTEMPTS = 6;
export const OPERATION_JOB_BACKOFF_MS = 5_000;

export class OperationQueue {
  readonly queue: Queue<OperationJobData>;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<OperationJobData>(OPERATIONS_QUEUE_NAME, { connection, prefix });
  }

  /**
   * The job id is the operation id, so enqueueing twice (a retried Slack request, the recovery
   * sweep after an outage) never runs an operation twice.
   */
  async enqueue(operationId: string): Promise<void> {
    await this.queue.add(
      "run-operation",
      { operationId },
      {
        jobId: operationId,
        attempts: OPERATION_JOB_ATTEMPTS,
        backoff: { type: "exponential", delay: OPERATION_JOB_BACKOFF_MS },
        removeOnComplete: { age: 24 * 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
  }

  /**
   * Moves a parked job (a paused rollout waiting in the delayed set) forward so that it takes a
   * click now. A job that is running takes clicks by itself; one that is not delayed is left alone.
   */
  async wake(operationId: string): Promise<boolean> {
    const job = await this.queue.getJob(operationId);
    if (!job || !(await job.isDelayed())) return false;
    try {
      await job.promote();
      return true;
    } catch (error) {
      // It left the delayed set meanwhile (the worker woke it, or it was woken by another click).
      if (await job.isDelayed()) throw error;
      return false;
    }
  }

  async isKnown(operationId: string): Promise<boolean> {
    return (await this.queue.getJob(operationId)) !== undefined;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export type EnqueueResult = { enqueued: true } | { enqueued: false; reason: string };

/**
 * Enqueues, turning a Redis outage into an answer instead of an error: the operation stays
 * recorded as queued and the recovery sweep enqueues it once Redis is back.
 */
export async function enqueueOperation(queue: OperationQueue, operationId: string, logger: Logger): Promise<EnqueueResult> {
  try {
    await queue.enqueue(operationId);
    return { enqueued: true };
  } catch (error) {
    logger.error({ err: error, operationId }, "could not enqueue operation");
    return { enqueued: false, reason: "the job queue (Redis) is unreachable" };
  }
}
