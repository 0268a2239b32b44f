import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * A round of work every `intervalMs` on its own BullMQ queue: one job scheduler with a fixed id,
 * so however many replicas start it, each round runs once, one at a time. Scheduling is retried
 * until Redis answers: a bot started while Redis is away still runs its rounds once it is back.
 */

export interface PeriodicJob {
  close(): Promise<void>;
}

export function startPeriodicJob(options: {
  connection: Redis;
  prefix: string;
  queue: string;
  schedulerId: string;
  intervalMs: number;
  /** What the log calls it: "alert evaluation", "drift check". */
  label: string;
  /** One round; what it returns is logged (debug) as the round's summary. */
  run(): Promise<object>;
  logger: Logger;
}): PeriodicJob {
  const { connection, prefix, intervalMs, label, logger } = options;
  const queue = new Queue(options.queue, { connection, prefix });
  queue.on("error", (error) => logger.warn({ err: error.message }, `${label} queue problem`));
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    queue
      .upsertJobScheduler(options.schedulerId, { every: intervalMs }, { name: options.schedulerId, opts: { removeOnComplete: 10, removeOnFail: 50 } })
      .catch((error: unknown) => {
        logger.warn({ err: error }, `could not schedule the ${label}; retrying`);
        if (!closed) retry = setTimeout(schedule, Math.min(intervalMs, 10_000));
      });
  };
  schedule();
  const worker = new Worker(
    options.queue,
    async () => {
      const summary = await options.run();
      logger.debug({ ...summary }, `${label} done`);
      return summary;
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on("error", (error) => logger.warn({ err: error.message }, `${label} worker problem`));
  worker.on("failed", (_job, error) => logger.warn({ err: error.message }, `${label} failed; the next round tries again`));
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await worker.close();
      await queue.close();
    },
  };
}
