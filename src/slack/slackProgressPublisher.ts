import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { OperationMessageLinks, OperationMessageTarget, OperationProgress, ProgressPublisher } from "../domain/progress.js";
import { operationProgressMessage } from "./messages/operationProgressMessage.js";
import { truncate } from "./messages/text.js";

/** With the Web API client's own retries, about half an hour of Slack outage before an outcome is given up. */
const FINAL_RETRY_ATTEMPTS = 12;

/** Tries for an intermediate state whose edit failed (a newer state replaces it meanwhile). */
const UPDATE_RETRY_ATTEMPTS = 5;

/**
 * The state of a message nobody published to for this long is dropped: its operation ended in
 * another replica (whose final publish removes it there, not here), or its worker died.
 */
const IDLE_MESSAGE_MS = 15 * 60_000;
/** And at most this many messages are tracked, the least recently sent dropped first. */
const MAX_TRACKED_MESSAGES = 2_000;

interface PendingUpdate {
  target: OperationMessageTarget;
  progress: OperationProgress;
}

interface MessageState {
  lastSentAt: number;
  pending?: PendingUpdate;
  timer?: NodeJS.Timeout;
  /** Serializes sends per message so that an older state never overwrites a newer one. */
  chain: Promise<void>;
  /** What the message shows now: the same state again (a parked rollout that woke) is not re-sent. */
  shown?: string;
}

/**
 * Posts an operation's progress message, then edits it in place. `chat.update` is rate limited
 * (Tier 3, about 50 a minute), so intermediate states are coalesced: at most one edit per
 * `minIntervalMs` per message, the latest state wins, and the final state is always sent.
 */
export class SlackProgressPublisher implements ProgressPublisher {
  private readonly messages = new Map<string, MessageState>();
  private readonly channelChains = new Map<string, Promise<void>>();
  private readonly finalRetries = new Set<NodeJS.Timeout>();

  constructor(
    private readonly client: WebClient,
    private readonly messageLinks: OperationMessageLinks,
    private readonly logger: Logger,
    private readonly minIntervalMs = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  async publish(target: OperationMessageTarget, progress: OperationProgress, options?: { final?: boolean }): Promise<void> {
    const state = this.stateOf(target.operationId);
    const now = this.clock();
    const due = options?.final || target.messageTs === null || now - state.lastSentAt >= this.minIntervalMs;
    if (!due) {
      state.pending = { target, progress };
      state.timer ??= setTimeout(() => this.sendPending(state, 1), this.minIntervalMs - (now - state.lastSentAt));
      return;
    }
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.pending = undefined;
    if (!options?.final) {
      // The caller hears of a failure (the first post of a message decides whether the operation
      // may run at all); an edit is also tried again.
      await this.sendLatest(state, { target, progress }, 1, true);
      return;
    }
    this.messages.delete(target.operationId);
    try {
      await this.enqueueSend(state, { target, progress });
    } catch (error) {
      // The outcome must reach the channel even when Slack was away at that moment.
      this.retryFinal({ target, progress }, 1);
      throw error;
    }
  }

  private sendPending(state: MessageState, attempt: number): void {
    state.timer = undefined;
    const pending = state.pending;
    state.pending = undefined;
    if (pending) void this.sendLatest(state, pending, attempt);
  }

  /**
   * Sends an intermediate state. A failure is logged (and rejects only with `rethrow`); an edit is tried again
   * (unless a newer one is waiting, or the outcome was published): the rollout reports a state
   * once (identical reports are skipped), so a lost edit would leave the message stale for good.
   */
  private async sendLatest(state: MessageState, update: PendingUpdate, attempt: number, rethrow = false): Promise<void> {
    try {
      await this.enqueueSend(state, update);
    } catch (error) {
      const operationId = update.target.operationId;
      // Only edits are tried again: a first post that failed is the caller's to handle.
      const retry = attempt < UPDATE_RETRY_ATTEMPTS && update.target.messageTs !== null && this.messages.get(operationId) === state;
      this.logger.warn({ err: error, operationId, attempt }, retry ? "could not update the progress message; trying again" : "could not update the progress message");
      if (retry) {
        state.pending ??= update;
        state.timer ??= setTimeout(() => this.sendPending(state, attempt + 1), Math.min(this.minIntervalMs * 2 ** attempt, 60_000));
      }
      if (rethrow) throw error;
    }
  }

  private retryFinal(update: PendingUpdate, attempt: number): void {
    if (attempt > FINAL_RETRY_ATTEMPTS) {
      this.logger.error({ operationId: update.target.operationId }, "gave up posting an operation's outcome to Slack");
      return;
    }
    const delay = Math.min(this.minIntervalMs * 2 ** attempt, 60_000);
    const timer = setTimeout(() => {
      this.finalRetries.delete(timer);
      this.send(update).catch(() => this.retryFinal(update, attempt + 1));
    }, delay);
    timer.unref();
    this.finalRetries.add(timer);
  }

  /**
   * Thread replies are new messages: Slack allows about one per second per channel, so replies
   * to one channel go out one after another, `minIntervalMs` apart.
   */
  async threadReply(target: OperationMessageTarget, text: string): Promise<void> {
    const previous = this.channelChains.get(target.channelId) ?? Promise.resolve();
    const send = previous.then(async () => {
      const parentTs = target.threadTs ?? target.messageTs ?? (await this.messageLinks.messageTsOf(target.operationId));
      if (!parentTs) return;
      await this.client.chat.postMessage({ channel: target.channelId, thread_ts: parentTs, text: truncate(text, 3000), unfurl_links: false });
      await new Promise((resolve) => setTimeout(resolve, this.minIntervalMs));
    });
    const settled = send.catch((error: unknown) => this.logger.warn({ err: error, operationId: target.operationId }, "could not post a thread reply"));
    this.channelChains.set(target.channelId, settled);
    await send;
  }

  /** Stops pending timers (shutdown). */
  close(): void {
    for (const state of this.messages.values()) if (state.timer) clearTimeout(state.timer);
    for (const timer of this.finalRetries) clearTimeout(timer);
    this.finalRetries.clear();
    this.messages.clear();
  }

  /** How many messages have state here (bounded: see evictIdle). */
  get trackedMessages(): number {
    return this.messages.size;
  }

  private stateOf(operationId: string): MessageState {
    let state = this.messages.get(operationId);
    if (!state) {
      this.evictIdle(this.clock());
      state = { lastSentAt: 0, chain: Promise.resolve() };
      this.messages.set(operationId, state);
    }
    return state;
  }

  /** Drops messages idle for IDLE_MESSAGE_MS, then the least recent ones beyond MAX_TRACKED_MESSAGES; never one with an update pending. */
  private evictIdle(now: number): void {
    for (const [operationId, state] of this.messages) {
      if (!state.timer && now - state.lastSentAt > IDLE_MESSAGE_MS) this.messages.delete(operationId);
    }
    if (this.messages.size < MAX_TRACKED_MESSAGES) return;
    const idle = [...this.messages].filter(([, state]) => !state.timer).sort(([, a], [, b]) => a.lastSentAt - b.lastSentAt);
    for (const [operationId] of idle.slice(0, this.messages.size - MAX_TRACKED_MESSAGES + 1)) this.messages.delete(operationId);
  }

  private enqueueSend(state: MessageState, update: PendingUpdate): Promise<void> {
    const send = state.chain.then(() => this.send(update, state));
    state.chain = send.catch(() => undefined);
    state.lastSentAt = this.clock();
    return send;
  }

  private async send({ target, progress }: PendingUpdate, state?: MessageState): Promise<void> {
    const message = operationProgressMessage(progress);
    const shown = JSON.stringify([message.text, message.blocks]);
    const messageTs = target.messageTs ?? (await this.messageLinks.messageTsOf(target.operationId));
    if (messageTs) {
      if (state?.shown === shown) return;
      await this.client.chat.update({ channel: target.channelId, ts: messageTs, text: message.text, blocks: message.blocks });
      if (state) state.shown = shown;
      return;
    }
    const posted = await this.client.chat.postMessage({
      channel: target.channelId,
      text: message.text,
      blocks: message.blocks,
      ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
    });
    if (state) state.shown = shown;
    if (posted.ts) await this.messageLinks.recordMessage(target.operationId, posted.ts);
    else this.logger.warn({ operationId: target.operationId }, "Slack did not return a ts for the progress message");
  }
}
