import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The bot's own Prometheus metrics, served on `GET /metrics`. One registry per bot instance (not
 * prom-client's global one) so that several bots in one process — the tests — do not share counts.
 *
 * Queue depth and dependency state are read when Prometheus scrapes, not kept up to date in the
 * background: a scrape then shows the state at that moment, and an idle bot does no work.
 */

export type SlackRequestKind = "command" | "interaction" | "event";
/** `acked`: answered; `error`: a listener threw; `unacked`: nothing answered Slack (it shows the user an error). */
export type SlackRequestOutcome = "acked" | "error" | "unacked";

export interface QueueSnapshot {
  /** Jobs per BullMQ state: waiting, active, delayed, failed, prioritized, waiting-children. */
  counts: Record<string, number>;
  /** Age in seconds of the job that has waited longest, 0 when none waits. */
  oldestWaitingSeconds: number;
}

export interface MetricsSources {
  /** Reads the queue; called on scrape, with a time limit. */
  queue?: () => Promise<QueueSnapshot>;
  /** Whether each dependency (postgres, redis, kubernetes) answers; called on scrape. */
  dependencies?: () => Promise<Record<string, { ok: boolean }>>;
  /** How long a scrape waits for a source before reporting it as unavailable. */
  timeoutMs?: number;
}

export interface BotMetrics {
  readonly registry: Registry;
  slackRequest(kind: SlackRequestKind, type: string, outcome: SlackRequestOutcome, ackSeconds?: number): void;
  operationFinished(kind: string, outcome: string): void;
  slackApiError(method: string, error: string): void;
  slackApiRateLimited(method: string): void;
  /** The exposition text (`text/plain; version=0.0.4`). */
  exposition(): Promise<string>;
  readonly contentType: string;
}

const QUEUE_LABEL = "operations";
const ACK_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Several gauges read the same snapshot during one scrape (prom-client starts their collects
 * together): they share the read in flight. A later scrape reads afresh.
 */
function sharedPerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

export function createMetrics(sources: MetricsSources = {}): BotMetrics {
  const registry = new Registry();
  const timeoutMs = sources.timeoutMs ?? 2000;
  collectDefaultMetrics({ register: registry, prefix: "deploybot_" });

  const commands = new Counter({
    name: "deploybot_slack_commands_total",
    help: "Slash commands received, by sub-command (help, create, scale...) and outcome (acked, error, unacked).",
    labelNames: ["type", "outcome"],
    registers: [registry],
  });
  const interactions = new Counter({
    name: "deploybot_slack_interactions_total",
    help: "Interactions received (block_actions, view_submission, view_closed, block_suggestion...), by type and outcome.",
    labelNames: ["type", "outcome"],
    registers: [registry],
  });
  const events = new Counter({
    name: "deploybot_slack_events_total",
    help: "Events API deliveries received, by event type and outcome.",
    labelNames: ["type", "outcome"],
    registers: [registry],
  });
  const ackLatency = new Histogram({
    name: "deploybot_slack_ack_seconds",
    help: "Time from a Slack request reaching the app to its acknowledgement; Slack gives up after 3 s.",
    labelNames: ["kind"],
    buckets: ACK_BUCKETS_SECONDS,
    registers: [registry],
  });
  const operations = new Counter({
    name: "deploybot_operations_total",
    help: "Operation runs that ended, by kind (create, scale...) and outcome (succeeded, failed, skipped, retrying, abandoned).",
    labelNames: ["kind", "outcome"],
    registers: [registry],
  });
  const apiErrors = new Counter({
    name: "deploybot_slack_api_errors_total",
    help: "Slack Web API calls that failed, by method and Slack's error code (http_<status> or request_failed when there was none).",
    labelNames: ["method", "error"],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "deploybot_slack_api_rate_limited_total",
    help: "Slack Web API calls answered 429 (rate limited), by method; the client waits Retry-After and tries again.",
    labelNames: ["method"],
    registers: [registry],
  });

  const queueSource = sources.queue;
  const readQueue = queueSource ? sharedPerScrape(() => withTimeout(queueSource(), timeoutMs, "queue")) : undefined;
  new Gauge({
    name: "deploybot_queue_jobs",
    help: "Operation jobs in the queue by state, read on scrape; absent when Redis does not answer.",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      if (!readQueue) return;
      try {
        const snapshot = await readQueue();
        for (const [state, count] of Object.entries(snapshot.counts)) this.set({ queue: QUEUE_LABEL, state }, count);
      } catch {
        // Redis is away: deploybot_dependency_up{dependency="redis"} says so; no made-up depth.
      }
    },
  });
  new Gauge({
    name: "deploybot_queue_oldest_waiting_seconds",
    help: "Age of the operation job that has waited longest to start, read on scrape (0 when none waits); absent when Redis does not answer.",
    // A label, because prom-client always shows an unlabelled gauge (as 0): unknown must not read as "nothing waits".
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.reset();
      if (!readQueue) return;
      try {
        this.set({ queue: QUEUE_LABEL }, (await readQueue()).oldestWaitingSeconds);
      } catch {
        // As above: no sample rather than a wrong one.
      }
    },
  });
  const dependencySource = sources.dependencies;
  const readDependencies = dependencySource ? sharedPerScrape(() => withTimeout(dependencySource(), timeoutMs + 500, "dependencies")) : undefined;
  new Gauge({
    name: "deploybot_dependency_up",
    help: "1 when the dependency (postgres, redis, kubernetes) answered its check during this scrape, else 0.",
    labelNames: ["dependency"],
    registers: [registry],
    async collect() {
      this.reset();
      if (!readDependencies) return;
      try {
        for (const [dependency, health] of Object.entries(await readDependencies())) this.set({ dependency }, health.ok ? 1 : 0);
      } catch {
        for (const dependency of ["postgres", "redis", "kubernetes"]) this.set({ dependency }, 0);
      }
    },
  });

  const counterFor: Record<SlackRequestKind, Counter> = { command: commands, interaction: interactions, event: events };
  return {
    registry,
    contentType: registry.contentType,
    slackRequest(kind, type, outcome, ackSeconds) {
      counterFor[kind].inc({ type, outcome });
      if (ackSeconds !== undefined) ackLatency.observe({ kind }, ackSeconds);
    },
    operationFinished(kind, outcome) {
      operations.inc({ kind, outcome });
    },
    slackApiError(method, error) {
      apiErrors.inc({ method, error });
    },
    slackApiRateLimited(method) {
      rateLimited.inc({ method });
    },
    exposition: () => registry.metrics(),
  };
}
