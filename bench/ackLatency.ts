/**
 * How fast deploybot acknowledges Slack (Slack drops what is not acknowledged within 3 s), and
 * how much memory it holds, measured on the real bot against this machine's PostgreSQL and
 * Redis, a local Kubernetes API server and the Slack recorder. Loopback only, bounded loops.
 *
 *   npm run bench
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { pino } from "pino";
import { loadConfig } from "../src/config.js";
import { startDeploybot } from "../src/deploybot.js";
import { startFakeKubeApiServer } from "../test/harness/fakeKubeApiServer.js";
import { startSlackRecorder } from "../test/harness/slackRecorder.js";
import { sendSlashCommand, sendViewSubmission, type SlackTarget } from "../test/harness/slackRequests.js";

const SERVER = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const SIGNING_SECRET = "bench-signing-secret-0123456789";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const CONCURRENCY = 10;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function report(name: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const format = (ms: number) => `${ms.toFixed(1)} ms`.padStart(9);
  console.log(
    `${name.padEnd(52)} n=${String(sorted.length).padStart(4)}  p50 ${format(percentile(sorted, 50))}  p95 ${format(percentile(sorted, 95))}  p99 ${format(percentile(sorted, 99))}  max ${format(sorted.at(-1) ?? Number.NaN)}`,
  );
}

async function timed(samples: number[], request: () => Promise<{ status: number }>): Promise<void> {
  const started = performance.now();
  const response = await request();
  samples.push(performance.now() - started);
  if (response.status !== 200) throw new Error(`request answered ${response.status}`);
}

async function inParallel(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function main(): Promise<void> {
  const database = `deploybot_bench_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await admin(`CREATE DATABASE "${database}"`);
  const databaseUrl = `${SERVER}/${database}`;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: "ignore" });
  const kube = await startFakeKubeApiServer({ namespaces: ["ml-development"] });
  kube.setAutoProgress({ delayMs: 10 });
  const slack = await startSlackRecorder({ botToken: "xoxb-bench", triggerTtlMs: 60_000 });
  const prefix = `deploybot-bench-${randomUUID().slice(0, 8)}`;
  const bot = await startDeploybot(
    loadConfig({
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      PORT: "0",
      DEPLOYBOT_QUEUE_PREFIX: prefix,
      LOG_LEVEL: "warn",
    }),
    { kubeConfig: kube.kubeConfig(), logger: pino({ level: "warn" }), progressUpdateIntervalMs: 50 },
  );
  const target: SlackTarget = { url: `http://127.0.0.1:${bot.port}/slack/events`, signingSecret: SIGNING_SECRET, recorder: slack };
  const user = { userId: "U0BENCH", channelId: "C0BENCH" };
  try {
    for (let i = 0; i < 20; i += 1) await sendSlashCommand(target, { ...user, text: "help" }); // warm-up

    const help: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) await timed(help, () => sendSlashCommand(target, { ...user, text: "help" }));
    report("/deploy help (answered in the ack)", help);

    const list: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) await timed(list, () => sendSlashCommand(target, { ...user, text: "list" }));
    report("/deploy list (ack, then response_url)", list);

    const open: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) await timed(open, () => sendSlashCommand(target, { ...user, text: "create" }));
    report("/deploy create (ack, then views.open)", open);

    const views = slack.callsTo("views.open").filter((call) => call.ok).map((call) => (call.response as unknown as { view: { id: string } }).view.id);
    const submit: number[] = [];
    const rejected: number[] = [];
    await inParallel(Math.min(ROUNDS, views.length), CONCURRENCY, async (index) => {
      const viewId = views[index] ?? "";
      const answers = {
        name: `bench-${index}`,
        modelId: "model-001",
        modelVersion: "v1",
        "resources.cpuCores": "1",
        "resources.memoryGb": "2",
        "scaling.minReplicas": "1",
        "scaling.maxReplicas": "2",
        "scaling.targetCpuUtilization": "70",
        "scaling.targetMemoryUtilization": "80",
      };
      if (index % 2 === 0) await timed(submit, () => sendViewSubmission(target, { ...user, view: { id: viewId }, answers }));
      else await timed(rejected, () => sendViewSubmission(target, { ...user, view: { id: viewId }, answers: { ...answers, name: "Bad Name" } }));
    });
    report(`create submission, valid (records, ${CONCURRENCY} in parallel)`, submit);
    report(`create submission, invalid (inline errors)`, rejected);

    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && (await bot.db.deployment.count({ where: { status: "live" } })) < submit.length) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const live = await bot.db.deployment.count({ where: { status: "live" } });
    const memory = process.memoryUsage();
    console.log(`deployments live: ${live}/${submit.length}`);
    console.log(`memory after the run (bot, recorder and API server in one process): rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await bot.stop();
    await Promise.all([kube.close(), slack.close()]);
    await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
}

await main();
