import type { Logger } from "pino";
import type { OperationRunContext } from "../runContext.js";
import { messageTargetOf, type ProgressPublisher } from "../../domain/progress.js";

/**
 * A rollout's step-by-step log: every line is an operation event (and shows in the progress
 * message's recent steps), and lines go to the message's thread in batches, at most one reply
 * per interval. Slack allows about one new message per second per channel and a canary may log
 * several lines a second; a thread post never holds up the rollout. Lines still buffered when a
 * worker dies stay in the operation's events; only their thread copy is lost.
 */
export class RolloutLog {
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: Pick<OperationRunContext, "operation" | "step">,
    private readonly publisher: ProgressPublisher,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  async line(message: string, data?: Record<string, unknown>): Promise<void> {
    await this.context.step(message, data);
    this.toThread(`\`${new Date().toISOString().slice(11, 19)}\` ${message}`);
  }

  /** The outcome closes the thread; the runner records it as the operation's final event itself. */
  outcome(message: string): void {
    this.toThread(message);
  }

  private toThread(text: string): void {
    this.buffer.push(text);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
  }

  /** Sends what is buffered now; resolves when every reply so far has been attempted. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    if (lines.length > 0) {
      const { operation } = this.context;
      const target = messageTargetOf(operation);
      this.sending = this.sending
        .then(() => this.publisher.threadReply(target, lines.join("\n")))
        .catch((error: unknown) => this.logger.warn({ err: error, operationId: operation.id }, "could not post the rollout log"));
    }
    await this.sending;
  }

  /** Drops the pending timer without sending (the worker is shutting down). */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
