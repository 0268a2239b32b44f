/**
 * The bench's scenarios, each driving the bot only as Slack and the cluster would: signed HTTP
 * requests in, the recorder and the API server out, and PostgreSQL read afterwards.
 */
import type pg from "pg";
import type { SlackTarget } from "../../test/harness/slackRequests.js";
import { checkScaleInvariants, type InvariantReport, type ScaleRequest } from "./invariants.js";
import { cpuSeconds, sleep } from "./processes.js";
import { KeptAliveClient, openCreateModal, signSlash, slash, submitModal, type FakesClient } from "./slackDriver.js";

export const NAMESPACE = "ml-development";
const FINISHED = ["succeeded", "failed", "cancelled", "expired"];

export function deploymentName(index: number): string {
  return `bench-${String(index).padStart(4, "0")}`;
}

export const CREATE_ANSWERS: Record<string, unknown> = {
  description: "bench",
  modelId: "model-001",
  modelVersion: "v1.0.0",
  environment: "development",
  "resources.cpuCores": "0.5",
  "resources.memoryGb": "1",
  "scaling.minReplicas": "1",
  "scaling.maxReplicas": "8",
  "scaling.targetCpuUtilization": "70",
  "scaling.targetMemoryUtilization": "80",
};

/** Runs `task` over `count` items with at most `concurrency` at once. */
export async function inParallel(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function countLive(pool: pg.Pool, names: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Deployment" WHERE status = 'live' AND name = ANY($1)`, [names]);
  return Number(rows[0]?.n ?? 0);
}

export async function waitLive(pool: pg.Pool, names: string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let live = await countLive(pool, names);
  while (live < names.length && Date.now() < deadline) {
    await sleep(200);
    live = await countLive(pool, names);
  }
  return live;
}

/**
 * Scale operations recorded since `since`: how many have their first message posted (the web
 * side's work for them is done), and how many are still queued or running (the worker's).
 */
export async function scaleBacklog(pool: pg.Pool, since: Date): Promise<{ announced: number; unfinished: number }> {
  const { rows } = await pool.query<{ announced: string; unfinished: string }>(
    `SELECT count(*) FILTER (WHERE "messageTs" IS NOT NULL) AS announced,
            count(*) FILTER (WHERE status IN ('queued', 'running')) AS unfinished
       FROM "Operation" WHERE kind = 'scale' AND "createdAt" >= $1`,
    [since],
  );
  return { announced: Number(rows[0]?.announced ?? 0), unfinished: Number(rows[0]?.unfinished ?? 0) };
}

export interface CreateResult {
  names: string[];
  live: number;
  wallMs: number;
  submitAckMs: number[];
}

/** Creates deployments through the modal (slash command → views.open → view_submission) and waits until they are live. */
export async function createDeployments(
  targets: readonly SlackTarget[],
  fakes: FakesClient,
  pool: pg.Pool,
  indexes: readonly number[],
  concurrency: number,
): Promise<CreateResult> {
  const started = performance.now();
  const names = indexes.map(deploymentName);
  const submitAckMs: number[] = [];
  await inParallel(indexes.length, concurrency, async (k) => {
    const target = targets[k % targets.length];
    const name = names[k];
    if (!target || !name) return;
    const opened = await openCreateModal(target, fakes);
    const { response, ackMs } = await submitModal(target, fakes, opened, { ...CREATE_ANSWERS, name });
    submitAckMs.push(ackMs);
    if (response.status !== 200 || response.body !== "") throw new Error(`create ${name} refused: ${response.status} ${JSON.stringify(response.body)}`);
  });
  const live = await waitLive(pool, names, 120_000);
  return { names, live, wallMs: performance.now() - started, submitAckMs };
}

/** Resolves each chain's wait when its operation finishes, from one poll of the table for all chains. */
class OperationWatcher {
  private readonly waiters = new Map<string, (status: string) => void>();
  private readonly seen = new Set<string>();
  private watermark: Date;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  /** Only operations recorded from `since` on (the phase's window) are this phase's. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly since: Date,
  ) {
    this.watermark = since;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  wait(name: string, replicas: number, timeoutMs: number): Promise<string> {
    const key = `${name}:${replicas}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve("timed-out");
      }, timeoutMs);
      this.waiters.set(key, (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      // Rows commit a little after their finishedAt: look back a few seconds, and skip ids already
      // seen. The look-back must not reach the previous phase: a scale of the same deployment to
      // the same count that finished there would answer this phase's wait while its own still runs.
      const finishedSince = new Date(this.watermark.getTime() - 5_000);
      const { rows } = await this.pool.query<{ id: string; deploymentName: string; replicas: number | null; status: string; finishedAt: Date }>(
        `SELECT id, "deploymentName", (params->>'replicas')::int AS replicas, status, "finishedAt" FROM "Operation"
          WHERE kind = 'scale' AND status = ANY($1) AND "finishedAt" >= $2 AND "createdAt" >= $3`,
        [FINISHED, finishedSince, this.since],
      );
      for (const row of rows) {
        if (this.seen.has(row.id)) continue;
        this.seen.add(row.id);
        if (row.finishedAt > this.watermark) this.watermark = row.finishedAt;
        const key = `${row.deploymentName}:${String(row.replicas)}`;
        const waiter = this.waiters.get(key);
        if (waiter) {
          this.waiters.delete(key);
          waiter(row.status);
        }
      }
    } finally {
      this.polling = false;
    }
  }
}

export interface ThroughputResult {
  operations: number;
  wallMs: number;
  opsPerSecond: number;
  timedOut: number;
  refusedAcks: number;
  scaleAckMs: number[];
  invariants: InvariantReport;
}

/**
 * `perChain` scale operations on each deployment, a chain per deployment (the next scale once
 * the previous finished), requests spread over `targets` in turn as a load balancer would.
 * `current` holds each deployment's replica count and is kept up to date.
 */
export async function scaleChains(
  targets: readonly SlackTarget[],
  fakes: FakesClient,
  pool: pg.Pool,
  names: readonly string[],
  perChain: number,
  current: Map<string, number>,
  options: { opTimeoutMs?: number; during?: () => Promise<void> } = {},
): Promise<ThroughputResult> {
  // This phase's window opens a second before it starts (clocks of the bench, the bot and the
  // database): an earlier phase's operations must have been recorded before that.
  await sleep(1_100);
  const since = new Date(Date.now() - 1000);
  const watcher = new OperationWatcher(pool, since);
  watcher.start();
  const requests: ScaleRequest[] = [];
  const scaleAckMs: number[] = [];
  let sent = 0;
  let timedOut = 0;
  let refusedAcks = 0;
  const started = performance.now();
  const chains = names.map(async (name) => {
    for (let k = 0; k < perChain; k += 1) {
      // Alternate within [2, 5] (the deployments allow 1..8): never the current count, which the bot refuses.
      const now = current.get(name) ?? 1;
      const replicas = now >= 5 ? 2 : now + 1;
      const target = targets[sent % targets.length];
      sent += 1;
      if (!target) return;
      const [fields] = await fakes.slashFields(1);
      if (!fields) throw new Error("the recorder issued no response URL");
      const finished = watcher.wait(name, replicas, options.opTimeoutMs ?? 60_000);
      const t0 = performance.now();
      const response = await slash(target, `scale ${name} ${replicas}`, fields);
      scaleAckMs.push(performance.now() - t0);
      requests.push({ name, replicas });
      if (response.status !== 200) refusedAcks += 1;
      const status = await finished;
      if (status === "timed-out") {
        timedOut += 1;
        // Whatever happened, the chain cannot know the count: stop it rather than guess.
        return;
      }
      if (status === "succeeded") current.set(name, replicas);
    }
  });
  // A failure beside the chains is reported once they end, not left as an unhandled rejection.
  let duringFailure: { error: unknown } | undefined;
  const during = options.during?.().catch((error: unknown) => {
    duringFailure = { error };
  });
  await Promise.all(chains);
  const wallMs = performance.now() - started;
  await during;
  if (duringFailure) {
    watcher.stop();
    throw duringFailure.error;
  }
  watcher.stop();
  const invariants = await checkScaleInvariants(pool, fakes, requests, since, NAMESPACE);
  return { operations: requests.length, wallMs, opsPerSecond: requests.length / (wallMs / 1000), timedOut, refusedAcks, scaleAckMs, invariants };
}

export interface AckRound {
  bot: { help: number[]; list: number[] };
  bare: { help: number[]; list: number[] };
  /** Slash command to the bot's response_url post, for /deploy list. */
  listAnswerMs: number[];
  listAnswersMissing: number;
  /**
   * Each process's CPU per `/deploy help` (answered in the acknowledgement, no work after it),
   * from its CPU time across the help bursts: unlike latency, not moved by what else the host runs.
   */
  helpCpuMs: { bot: number; bare: number };
}

async function burst(
  target: SlackTarget,
  client: KeptAliveClient,
  fakes: FakesClient,
  text: string,
  concurrency: number,
): Promise<{ latencies: number[]; responseUrls: string[]; sentAt: number[] }> {
  const fields = await fakes.slashFields(concurrency);
  // Signed before the clock starts: the client's HMAC is not the server's latency.
  const signed = fields.map((field) => signSlash(target, text, field));
  const latencies: number[] = [];
  const sentAt: number[] = [];
  await Promise.all(
    signed.map(async (request, index) => {
      sentAt[index] = Date.now();
      const t0 = performance.now();
      const status = await client.post(request);
      latencies[index] = performance.now() - t0;
      if (status !== 200) throw new Error(`/deploy ${text} answered ${status}`);
    }),
  );
  return { latencies, responseUrls: fields.map((f) => f.responseUrl), sentAt };
}

/**
 * Rounds of `concurrency` simultaneous `/deploy help`, then `/deploy list`, to the bot and to the
 * bare Bolt app, interleaved (who goes first alternates) so that both see the same machine.
 */
export async function ackLatency(
  bot: SlackTarget,
  bare: SlackTarget,
  fakes: FakesClient,
  rounds: number,
  concurrency: number,
  pids: { bot: number; bare: number },
): Promise<AckRound> {
  const result: AckRound = { bot: { help: [], list: [] }, bare: { help: [], list: [] }, listAnswerMs: [], listAnswersMissing: 0, helpCpuMs: { bot: 0, bare: 0 } };
  const helpCpuSeconds = { bot: 0, bare: 0 };
  const clients = new Map([bot, bare].map((target) => [target, new KeptAliveClient(target, concurrency)]));
  const clientOf = (target: SlackTarget): KeptAliveClient => {
    const client = clients.get(target);
    if (!client) throw new Error("no client for this target");
    return client;
  };
  try {
    // Warm-up: connections, JIT, Bolt's first request; not counted.
    for (const target of [bot, bare]) for (const text of ["help", "list"]) await burst(target, clientOf(target), fakes, text, concurrency);
    await sleep(500);
    for (let round = 0; round < rounds; round += 1) {
      const order: ["bot" | "bare", SlackTarget][] = round % 2 === 0 ? [["bot", bot], ["bare", bare]] : [["bare", bare], ["bot", bot]];
      for (const text of ["help", "list"] as const) {
        for (const [who, target] of order) {
          const cpuBefore = cpuSeconds(pids[who]);
          const { latencies, responseUrls, sentAt } = await burst(target, clientOf(target), fakes, text, concurrency);
          if (text === "help") helpCpuSeconds[who] += cpuSeconds(pids[who]) - cpuBefore;
          result[who][text].push(...latencies);
          if (who === "bot" && text === "list") {
            // The list itself comes after the ack, through response_url: let it land before the next burst.
            const posts = await Promise.all(responseUrls.map((url) => fakes.responsePost(url, 10_000)));
            posts.forEach((post, index) => {
              if (post) result.listAnswerMs.push(post.at - (sentAt[index] ?? post.at));
              else result.listAnswersMissing += 1;
            });
          }
        }
      }
    }
  } finally {
    for (const client of clients.values()) client.close();
  }
  for (const who of ["bot", "bare"] as const) result.helpCpuMs[who] = (helpCpuSeconds[who] * 1000) / Math.max(1, result[who].help.length);
  return result;
}

export interface ListAtScale {
  latencyMs: number[];
  missing: number;
  ok: boolean;
  error?: string;
  blocks: number;
  maxSectionChars: number;
  bytes: number;
  textChars: number;
  hasPageControl: boolean;
}

/** `/deploy list`, one at a time: slash command to the response_url post, and what was posted. */
export async function listAtScale(target: SlackTarget, fakes: FakesClient, times: number): Promise<ListAtScale> {
  const result: ListAtScale = { latencyMs: [], missing: 0, ok: true, blocks: 0, maxSectionChars: 0, bytes: 0, textChars: 0, hasPageControl: false };
  for (let i = 0; i < times; i += 1) {
    const [fields] = await fakes.slashFields(1);
    if (!fields) throw new Error("the recorder issued no response URL");
    const sentAt = Date.now();
    await slash(target, "list", fields);
    const post = await fakes.responsePost(fields.responseUrl, 20_000);
    if (!post) {
      result.missing += 1;
      continue;
    }
    result.latencyMs.push(post.at - sentAt);
    result.ok &&= post.ok;
    if (post.error !== undefined) result.error = post.error;
    result.blocks = post.blocks;
    result.maxSectionChars = post.maxSectionChars;
    result.bytes = post.bytes;
    result.textChars = post.textChars;
    result.hasPageControl = post.hasPageControl;
  }
  return result;
}

/** Adds stored deployments straight in SQL, copies of `template` (its spec with another name). */
export async function insertDeployments(pool: pg.Pool, template: string, total: number): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Deployment"`);
  const missing = total - Number(rows[0]?.n ?? 0);
  if (missing <= 0) return 0;
  await pool.query(
    `INSERT INTO "Deployment" (id, name, environment, namespace, spec, status, "activeSlot", replicas, "lastStrategy", "channelId", "teamId", "createdBy", "updatedAt")
     SELECT gen_random_uuid(), 'bulk-' || lpad(g::text, 5, '0'), environment, namespace,
            jsonb_set(spec::jsonb, '{name}', to_jsonb('bulk-' || lpad(g::text, 5, '0'))), 'live', "activeSlot", replicas,
            "lastStrategy", "channelId", "teamId", "createdBy", now()
       FROM "Deployment" template, generate_series(1, $2::int) g
      WHERE template.name = $1`,
    [template, missing],
  );
  return missing;
}
