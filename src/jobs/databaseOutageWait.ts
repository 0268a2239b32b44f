import { setTimeout as sleep } from "node:timers/promises";
import { classifyFailure } from "../domain/failureClass.js";

export function isDatabaseOutage(error: unknown): boolean {
  const failure = classifyFailure(error);
  return failure.kind === "outage" && failure.dependency === "database";
}

export interface DatabaseOutageWaitOptions {
  /** How long one outage is waited out in place; after that the error goes to the queue's retry. */
  maxWaitMs: number;
  /** A shutdown stops the wait (the job is picked up again by the next worker). */
  signal: AbortSignal;
  /** The first write that found the database away. */
  onOutage(error: unknown): void;
  /** The first write that succeeded after it, with how long the outage lasted. */
  onBack(outageMs: number): void;
}

const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 2_000;

/**
 * Lets a run's database writes wait out a short PostgreSQL outage where they are, instead of
 * failing the attempt: the cluster work already done is not done again by a retry, and the run
 * goes on from the write that found the database away. Only outages are waited out; any other
 * error is the caller's at once.
 */
export class DatabaseOutageWait {
  private outageSince: number | undefined;
  private waitedMs = 0;

  constructor(private readonly options: DatabaseOutageWaitOptions) {}

  /** How long this run waited for the database, all outages together. */
  get delayedMs(): number {
    return this.waitedMs;
  }

  async through<T>(write: () => Promise<T>): Promise<T> {
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      try {
        const result = await write();
        this.ended();
        return result;
      } catch (error) {
        if (!isDatabaseOutage(error) || this.options.signal.aborted) throw error;
        const now = Date.now();
        if (this.outageSince === undefined) {
          this.outageSince = now;
          this.options.onOutage(error);
        }
        if (now - this.outageSince >= this.options.maxWaitMs) throw error;
        await sleep(pause, undefined, { signal: this.options.signal }).catch(() => undefined);
      }
    }
  }

  private ended(): void {
    if (this.outageSince === undefined) return;
    const outageMs = Date.now() - this.outageSince;
    this.outageSince = undefined;
    this.waitedMs += outageMs;
    this.options.onBack(outageMs);
  }
}

/**
 * The repository with each of its methods going through the wait: what a runner reads and writes
 * through it waits out an outage like the run's own records do. Repositories' methods are all
 * asynchronous, so each stays a function returning a promise.
 */
export function waitingOutOutages<T extends object>(repository: T, wait: DatabaseOutageWait): T {
  return new Proxy(repository, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => wait.through(async () => method.apply(target, args));
    },
  });
}
