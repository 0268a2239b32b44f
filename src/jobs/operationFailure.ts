import { classifyFailure } from "../domain/failureClass.js";

/**
 * A failure whose message is meant for the channel: the rollout stalled, the cluster refused an
 * object. `retryable` failures are retried by the queue with backoff; the rest end the operation.
 */
export class OperationFailure extends Error {
  constructor(
    message: string,
    readonly options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "OperationFailure";
  }

  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}

interface MaybeRetryable {
  retryable?: unknown;
  message?: unknown;
}

/** Errors from the cluster layer and database connection loss carry their own retry verdict. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof OperationFailure) return error.retryable;
  const candidate = error as MaybeRetryable | null;
  if (candidate && typeof candidate === "object" && typeof candidate.retryable === "boolean") return candidate.retryable;
  // An outage (the database, Redis, a socket) is waited out; the request's own data never is.
  return classifyFailure(error).kind === "outage";
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
