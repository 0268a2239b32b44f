/**
 * `npm run bench`: deploybot measured as it runs in production, a process of its own (the
 * compiled bot, configured through its environment) on this machine's PostgreSQL and Redis, with
 * the Slack recorder and the Kubernetes API server in another process, and a bare Bolt app
 * answering the same requests in the same run as the baseline. Loopback only; every wait is
 * bounded; child processes, the database and the Redis keys are removed at the end.
 *
 *   npm run bench                      the full run (about 10 minutes on 2 cores)
 *   npm run bench -- --short           a few deployments and operations: checks the invariants only
 *   npm run bench -- --cpu-prof        also profiles the bot processes (V8 CPU profiles)
 *   npm run bench -- --concurrency 16  DEPLOYBOT_WORKER_CONCURRENCY for the bots (default: the bot's)
 *   npm run bench -- --from-source     runs src/main.ts through tsx instead of the compiled build (CI)
 *   npm run bench -- --keep            keeps the processes' logs (the directory is printed)
 *   npm run bench -- --runtime-env FILE  the bots' V8/allocator settings from FILE instead of
 *                                      scripts/node-runtime.env (what production uses), to compare
 *   npm run bench -- --only ack,busy    only these phases (ack, busy, single, memory, pair, stored);
 *                                      the 100 creates run whenever one of them needs deployments
 *
 * Exits 1 when an invariant breaks (an operation lost, recorded twice, run twice, two at once on
 * one deployment, or a wrong final replica count); never because of a time.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createBenchDatabase, createBenchRedis, type BenchDatabase, type BenchRedis } from "./lib/benchServices.js";
import { summarizeProfiles, type ProfileSummary } from "./lib/cpuProfile.js";
import { brokenInvariants, type InvariantReport } from "./lib/invariants.js";
import {
  ackLatency,
  CREATE_ANSWERS,
  createDeployments,
  deploymentName,
  inParallel,
  insertDeployments,
  listAtScale,
  scaleBacklog,
  scaleChains,
  waitLive,
  type AckRound,
  type ListAtScale,
  type ThroughputResult,
} from "./lib/scenarios.js";
import { openCreateModal, submitModal, submitToBare, targetOf } from "./lib/slackDriver.js";
import type { SlackTarget } from "../test/harness/slackRequests.js";
import { cpuSeconds, killAll, sleep } from "./lib/processes.js";
import { buildBot, heapAfterGc, readRuntimeEnv, RUNTIME_ENV_FILE, SIGNING_SECRET, SOURCE_ENTRY, Stack, type BotProcess } from "./lib/stack.js";
import { mib, ms, ratio, summarize } from "./lib/stats.js";

const { values: flags } = parseArgs({
  options: {
    short: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    concurrency: { type: "string" },
    keep: { type: "boolean", default: false },
    "from-source": { type: "boolean", default: false },
    only: { type: "string" },
    "runtime-env": { type: "string" },
  },
});
const PHASES = ["ack", "busy", "split", "single", "memory", "pair", "stored"] as const;
type Phase = (typeof PHASES)[number];
const ONLY = flags.only === undefined ? undefined : new Set(flags.only.split(",").map((p) => p.trim()));
for (const phase of ONLY ?? []) {
  if (!(PHASES as readonly string[]).includes(phase)) throw new Error(`--only: unknown phase "${phase}" (phases: ${PHASES.join(", ")})`);
}
/** Whether a phase runs: all of them unless `--only` names some. */
const runs = (phase: Phase): boolean => ONLY === undefined || ONLY.has(phase);

const SHORT = flags.short === true;
const PLAN = SHORT
  ? { deployments: 4, perChain: 5, memoryPerChain: 0, ackRounds: 2, ackConcurrency: 10, busyCreates: 2, busyPerChain: 3, warmUpCreates: 2, stored: 0 }
  : { deployments: 100, perChain: 10, memoryPerChain: 10, ackRounds: 10, ackConcurrency: 50, busyCreates: 20, busyPerChain: 3, warmUpCreates: 40, stored: 10_000 };
const BOT_ENV: Record<string, string> = flags.concurrency ? { DEPLOYBOT_WORKER_CONCURRENCY: flags.concurrency } : {};
// Idle RSS is read after the process settles: right after start it still grows.
const SETTLE_MS = SHORT ? 1_000 : 5_000;

/**
 * What keeps the bot busy while the creates are submitted. `chains`: 100 chains of scale
 * commands, each sending its next as soon as the last finished (the web side takes commands as
 * fast as the whole bot completes them). `backlog`: one scale per deployment sent at once, and the
 * creates only once every one of them is announced, while the worker still runs them (the worker
 * busy, no commands arriving).
 */
type BusyLoad = "chains" | "backlog";

interface BusyCreates {
  load: BusyLoad;
  submitAckMs: number[];
  bareSubmitAckMs: number[];
  /** Submissions acknowledged while scale operations were still queued or running (`backlog`). */
  acksWhileWorkerBusy: number;
  created: number;
  live: number;
  scale: ThroughputResult;
}

interface Results {
  idle: { bot: number; bare: number };
  create?: { count: number; live: number; wallMs: number };
  ack?: AckRound;
  busy?: BusyCreates[];
  /** The same, with the Slack side and the worker in processes of their own (DEPLOYBOT_ROLE web and worker). */
  split?: { loads: BusyCreates[]; rss: { web: number; worker: number } };
  single?: ThroughputResult & { rssBefore: number; rssAfter: number; rssMax: number };
  memory?: ThroughputResult & { rssAfter: number; rssMax: number };
  pair?: ThroughputResult & { rss: { before: number; after: number; max: number; heapBefore: number; heapAfter: number }[] };
  stored?: { count: number; rssIdle: number; rssAfterList: number; rssIdle100: number; stored100: number; list: ListAtScale };
  profile?: ProfileSummary;
  rssTimeline: { phase: string; mib: number; heapMiB: number }[];
  /** CPU seconds the bot process(es) and the fakes used per throughput phase. */
  cpu: { phase: string; operations: number; botSeconds: number; fakesSeconds: number }[];
}

function machine(): string {
  let cpu = cpus()[0]?.model ?? "?";
  cpu = cpu.replace(/\s+/g, " ").trim();
  const load = execFileSync("cat", ["/proc/loadavg"]).toString().trim().split(" ").slice(0, 3).join(" ");
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average at the end ${load}`;
}

const pass = (ok: boolean): string => (ok ? "PASS" : "FAIL");

function invariantCell(report: InvariantReport): string {
  const broken = brokenInvariants(report);
  return broken
    ? `FAIL: ${report.lost} lost, ${report.duplicated} double, ${report.ranTwice} ran twice, ${report.overlapping} overlapping, ${report.notSucceeded} not succeeded, ${report.wrongFinalReplicas} wrong final`
    : `PASS (${report.recorded}/${report.requested} recorded once, succeeded, no overlap, final replicas right)`;
}

function render(results: Results): string {
  const lines: string[] = [];
  const row = (...cells: string[]) => lines.push(`| ${cells.join(" | ")} |`);
  lines.push(`Machine: ${machine()}. Mode: ${SHORT ? "short" : "full"}${ONLY ? ` (only ${[...ONLY].join(", ")})` : ""}, bot ${flags["from-source"] ? "from source (tsx)" : "compiled (node main.js)"}${flags.concurrency ? `, DEPLOYBOT_WORKER_CONCURRENCY=${flags.concurrency}` : ", worker concurrency: the bot's default (DEPLOYBOT_WORKER_CONCURRENCY unset)"}; bot runtime ${Object.entries(readRuntimeEnv(flags["runtime-env"] ?? RUNTIME_ENV_FILE)).map(([k, v]) => `${k}=${v}`).join(" ") || "(none)"}.`);
  lines.push("");
  lines.push("| measure | deploybot | bare Bolt | ratio | target | result |");
  lines.push("|---|---|---|---|---|---|");
  row("idle RSS, just started", mib(results.idle.bot), mib(results.idle.bare), ratio(results.idle.bot, results.idle.bare), "", "");
  if (results.ack) {
    for (const text of ["help", "list"] as const) {
      const bot = summarize(results.ack.bot[text]);
      const bare = summarize(results.ack.bare[text]);
      const ok = bot.p99 < 50 && bot.p99 <= 1.5 * bare.p99;
      row(`ack \`/deploy ${text}\`, ${PLAN.ackConcurrency} concurrent, p50 (n=${bot.n})`, ms(bot.p50), ms(bare.p50), ratio(bot.p50, bare.p50), "", "");
      row(`ack \`/deploy ${text}\`, ${PLAN.ackConcurrency} concurrent, p99`, ms(bot.p99), ms(bare.p99), ratio(bot.p99, bare.p99), "≤ 1.5× bare and < 50 ms", SHORT ? "(short: not judged)" : pass(ok));
    }
    const { helpCpuMs } = results.ack;
    row("  … CPU per `/deploy help` ack (process CPU time over the help bursts)", `${helpCpuMs.bot.toFixed(2)} ms`, `${helpCpuMs.bare.toFixed(2)} ms`, ratio(helpCpuMs.bot, helpCpuMs.bare), "", "");
    const answer = summarize(results.ack.listAnswerMs);
    row(`\`/deploy list\` answer posted (${results.create?.count ?? 0} deployments), p50 / p99`, `${ms(answer.p50)} / ${ms(answer.p99)}`, "", "", "", results.ack.listAnswersMissing ? `${results.ack.listAnswersMissing} missing` : "");
  }
  if (results.create) {
    row(`create ${results.create.count} deployments through the modal, until live`, `${(results.create.wallMs / 1000).toFixed(1)} s (${results.create.live} live)`, "", "", "", "");
  }
  const busyRows = (label: string, busy: BusyCreates) => {
    const submit = summarize(busy.submitAckMs);
    const bareSubmit = summarize(busy.bareSubmitAckMs);
    const load =
      busy.load === "chains"
        ? "worker busy and 100 chains of scale commands arriving"
        : `worker busy with ${busy.scale.operations} queued scales (${busy.acksWhileWorkerBusy}/${submit.n} acks before it finished them)`;
    row(
      `create submission ack, ${load}, ${label}, p50 / p99 (n=${submit.n})`,
      `${ms(submit.p50)} / ${ms(submit.p99)}`,
      `${ms(bareSubmit.p50)} / ${ms(bareSubmit.p99)}`,
      `${ratio(submit.p50, bareSubmit.p50)} / ${ratio(submit.p99, bareSubmit.p99)}`,
      "p99 < 150 ms",
      SHORT ? "(short: not judged)" : pass(submit.p99 < 150),
    );
    row("  … operations while busy", `${busy.scale.operations} scales, ${busy.live}/${busy.created} created live`, "", "", "invariants", invariantCell(busy.scale.invariants));
  };
  for (const busy of results.busy ?? []) busyRows("one process (DEPLOYBOT_ROLE=all, the base install)", busy);
  if (results.split) {
    for (const busy of results.split.loads) busyRows("web and worker processes apart (DEPLOYBOT_ROLE=web / worker, the production overlay)", busy);
    row("  … RSS after: web / worker", `${mib(results.split.rss.web)} / ${mib(results.split.rss.worker)}`, mib(results.idle.bare), "", "", "");
  }
  const throughputRows = (label: string, result: ThroughputResult) => {
    const ack = summarize(result.scaleAckMs);
    row(`${label}: wall time`, `${(result.wallMs / 1000).toFixed(1)} s (${result.opsPerSecond.toFixed(1)} ops/s)`, "", "", "< 60 s", SHORT ? "(short: not judged)" : pass(result.wallMs < 60_000));
    row(`${label}: \`/deploy scale\` ack p50 / p99`, `${ms(ack.p50)} / ${ms(ack.p99)}`, "", "", "", "");
    row(`${label}: invariants`, `${result.invariants.recorded}/${result.operations} recorded${result.timedOut ? `, ${result.timedOut} timed out` : ""}`, "", "", "none lost, none twice, no overlap", invariantCell(result.invariants));
  };
  if (results.single) {
    throughputRows(`${results.single.operations} scales over ${PLAN.deployments} deployments, one bot`, results.single);
    row("  … bot RSS before → after (max)", `${mib(results.single.rssBefore)} → ${mib(results.single.rssAfter)} (${mib(results.single.rssMax)})`, mib(results.idle.bare), ratio(results.single.rssAfter, results.idle.bare), "", "");
  }
  if (results.memory && results.single) {
    throughputRows(`next ${results.memory.operations} scales, same bot`, results.memory);
    const flat = results.memory.rssAfter <= results.single.rssAfter * 1.05;
    row(
      `  … RSS after ${results.single.operations} → after ${results.single.operations + results.memory.operations} ops (max)`,
      `${mib(results.single.rssAfter)} → ${mib(results.memory.rssAfter)} (${mib(results.memory.rssMax)})`,
      "",
      ratio(results.memory.rssAfter, results.single.rssAfter),
      "flat (≤ +5 %)",
      pass(flat),
    );
  }
  if (results.pair) {
    throughputRows(`${results.pair.operations} scales, two bot replicas`, results.pair);
    row("  … replicas' RSS before → after", results.pair.rss.map((r) => `${mib(r.before)} → ${mib(r.after)}`).join(", "), "", "", "", "");
    row(
      "  … replicas' heap after GC before → after",
      results.pair.rss.map((r) => (Number.isFinite(r.heapBefore) ? `${r.heapBefore.toFixed(1)} → ${r.heapAfter.toFixed(1)} MiB` : "n/a (short mode)")).join(", "),
      "",
      "",
      "",
      "",
    );
  }
  if (results.stored) {
    const s = results.stored;
    const list = summarize(s.list.latencyMs);
    row(`RSS idle with ${s.count.toLocaleString("en")} stored deployments (fresh bot)`, mib(s.rssIdle), mib(results.idle.bare), ratio(s.rssIdle, results.idle.bare), "< 200 MB (190.7 MiB)", pass(s.rssIdle < 200e6 / 2 ** 20));
    row(`  … same bot, fresh with ${s.stored100} deployments`, mib(s.rssIdle100), "", ratio(s.rssIdle, s.rssIdle100), "", "");
    row(`  … RSS after ${s.list.latencyMs.length} \`/deploy list\``, mib(s.rssAfterList), "", "", "< 200 MB", pass(s.rssAfterList < 200e6 / 2 ** 20));
    row(`\`/deploy list\` with ${s.count.toLocaleString("en")}: answer posted p50 / max`, `${ms(list.p50)} / ${ms(list.max)}`, "", "", "< 1 s", pass(list.max < 1000 && s.list.missing === 0));
    row(
      "  … the answer against Slack's limits",
      `${s.list.blocks} blocks, longest section ${s.list.maxSectionChars} chars, ${(s.list.bytes / 1024).toFixed(0)} KiB, text ${s.list.textChars} chars, recorder: ${s.list.ok ? "accepted" : `refused (${s.list.error ?? "?"})`}`,
      "",
      "",
      "≤ 50 blocks, ≤ 3000 chars/section, accepted",
      pass(s.list.ok && s.list.blocks <= 50 && s.list.maxSectionChars <= 3000),
    );
    row("  … paginated", s.list.hasPageControl ? "yes" : "no: one page, the rest summed up as “…and N more”", "", "", "paginated", pass(s.list.hasPageControl));
  }
  if (results.rssTimeline.length) {
    lines.push("");
    lines.push("The one bot's memory along the run (RSS settled; V8 heap used after a forced full GC, through the inspector):");
    lines.push("");
    lines.push("| point | RSS | heap after GC |");
    lines.push("|---|---|---|");
    for (const point of results.rssTimeline) lines.push(`| ${point.phase} | ${mib(point.mib)} | ${Number.isFinite(point.heapMiB) ? `${point.heapMiB.toFixed(1)} MiB` : "n/a"} |`);
  }
  if (results.cpu.length) {
    lines.push("");
    lines.push("| CPU per scale operation | bot process(es) | fakes process |");
    lines.push("|---|---|---|");
    for (const c of results.cpu) {
      lines.push(`| ${c.phase} (${c.operations} ops) | ${((c.botSeconds * 1000) / c.operations).toFixed(1)} ms | ${((c.fakesSeconds * 1000) / c.operations).toFixed(1)} ms |`);
    }
  }
  if (results.profile) {
    lines.push("");
    lines.push(`CPU profile of the bot processes (${(results.profile.totalMs / 1000).toFixed(1)} s sampled, self time):`);
    lines.push("");
    lines.push("| area | self time | share |");
    lines.push("|---|---|---|");
    for (const area of results.profile.areas) lines.push(`| ${area.area} | ${(area.ms / 1000).toFixed(1)} s | ${(area.share * 100).toFixed(1)} % |`);
    lines.push("");
    lines.push("| function | self time | share |");
    lines.push("|---|---|---|");
    for (const fn of results.profile.functions) lines.push(`| \`${fn.name}\` | ${(fn.ms / 1000).toFixed(1)} s | ${(fn.share * 100).toFixed(1)} % |`);
  }
  return lines.join("\n");
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Settled RSS, then the heap after a forced GC (RSS first: the GC would shrink it). */
async function checkpoint(bot: BotProcess, phase: string, timeline: Results["rssTimeline"]): Promise<number> {
  const rss = await settledRss(bot);
  const heapMiB = await heapAfterGc(bot).catch(() => Number.NaN);
  timeline.push({ phase, mib: rss, heapMiB });
  return rss;
}

async function settledRss(bot: BotProcess): Promise<number> {
  await sleep(SETTLE_MS);
  const samples: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    samples.push(bot.rss.sample() ?? Number.NaN);
    await sleep(300);
  }
  return Math.max(...samples);
}

async function main(): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), "deploybot-bench-"));
  const profileDir = join(workDir, "profiles");
  mkdirSync(profileDir);
  let database: BenchDatabase | undefined;
  let redis: BenchRedis | undefined;
  let stack: Stack | undefined;
  const results: Results = { idle: { bot: Number.NaN, bare: Number.NaN }, rssTimeline: [], cpu: [] };
  let broken = false;
  const bots: BotProcess[] = [];
  const startBot = async (name: string, profile = flags["cpu-prof"] === true, env: Record<string, string> = {}): Promise<BotProcess> => {
    if (!stack || !database || !redis) throw new Error("the stack is not up");
    const bot = await stack.startBot(name, { entry, database, redis, env: { ...BOT_ENV, ...env }, inspect: !SHORT, ...(flags["runtime-env"] ? { runtimeEnvFile: flags["runtime-env"] } : {}), ...(profile ? { cpuProfileDir: profileDir } : {}) });
    bots.push(bot);
    return bot;
  };
  let entry = "";
  let cleaned: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaned ??= (async () => {
      await Promise.all(bots.map((b) => stack?.stopBot(b)));
      await killAll();
      await stack?.close();
      await redis?.cleanup().catch((error: unknown) => log(`Redis cleanup failed: ${String(error)}`));
      await database?.drop().catch((error: unknown) => log(`dropping the database failed: ${String(error)}`));
      if (flags.keep) log(`logs kept in ${workDir}`);
      else rmSync(workDir, { recursive: true, force: true });
    })());
  interrupted = cleanUp;
  try {
    log(`work directory ${workDir}`);
    log("building the bot, creating the database, starting the fakes");
    const build = flags["from-source"] ? Promise.resolve(SOURCE_ENTRY) : buildBot(workDir);
    [entry, database, stack] = await Promise.all([build, createBenchDatabase(), Stack.start(workDir)]);
    redis = createBenchRedis();
    const { pool } = database;
    const fakes = stack.fakes;

    const bare = await stack.startBareBolt();
    const bot = await startBot("bot");
    const target = targetOf(bot.port, SIGNING_SECRET);
    const bareTarget = targetOf(bare.port, SIGNING_SECRET);
    await sleep(SETTLE_MS);
    results.idle = { bot: bot.rss.sample() ?? Number.NaN, bare: bare.rss.sample() ?? Number.NaN };
    results.rssTimeline.push({ phase: "idle, just started", mib: results.idle.bot, heapMiB: await heapAfterGc(bot).catch(() => Number.NaN) });

    log(`creating ${PLAN.deployments} deployments through the modal`);
    const indexes = Array.from({ length: PLAN.deployments }, (_, i) => i);
    const created = await createDeployments([target], fakes, pool, indexes, 10);
    results.create = { count: PLAN.deployments, live: created.live, wallMs: created.wallMs };
    if (created.live < PLAN.deployments) throw new Error(`only ${created.live} of ${PLAN.deployments} deployments went live`);
    await checkpoint(bot, `${PLAN.deployments} created`, results.rssTimeline);
    const current = new Map(created.names.map((name) => [name, 1]));

    if (runs("ack")) {
      log(`ack latency: ${PLAN.ackRounds} rounds of ${PLAN.ackConcurrency} concurrent requests, bot and bare Bolt interleaved`);
      results.ack = await ackLatency(target, bareTarget, fakes, PLAN.ackRounds, PLAN.ackConcurrency, { bot: bot.pid, bare: bare.pid });
    }

    /**
     * Create submissions (half of them also sent to the bare app, the same minutes) while the
     * worker runs scale operations (see BusyLoad): the ack of a submission that must check its
     * answers in the database.
     */
    const busyCreates = async (web: SlackTarget, firstIndex: number, load: BusyLoad): Promise<BusyCreates> => {
      const busyIndexes = Array.from({ length: PLAN.busyCreates }, (_, i) => firstIndex + i);
      const opened = await Promise.all(busyIndexes.map(() => openCreateModal(web, fakes)));
      const submitAckMs: number[] = [];
      const bareSubmitAckMs: number[] = [];
      let acksWhileWorkerBusy = 0;
      const since = new Date(Date.now() - 1000);
      const scale = await scaleChains([web], fakes, pool, created.names, load === "chains" ? PLAN.busyPerChain : 1, current, {
        during: async () => {
          if (load === "chains") {
            // Let the chains fill the queue first: the point is an ack while the worker is busy.
            await sleep(1_000);
          } else {
            // Every scale announced (the web side is done with them), most of them still to run.
            const deadline = Date.now() + 60_000;
            while ((await scaleBacklog(pool, since)).announced < created.names.length && Date.now() < deadline) await sleep(50);
          }
          await inParallel(opened.length, 5, async (k) => {
            const view = opened[k];
            const index = busyIndexes[k];
            if (!view || index === undefined) return;
            const answers = { ...CREATE_ANSWERS, name: deploymentName(index) };
            // The same submission to the bare app, just before or just after (alternating): the same minutes, the same machine.
            if (k % 2 === 1) bareSubmitAckMs.push(await submitToBare(bareTarget, view, answers));
            const { response, ackMs } = await submitModal(web, fakes, view, answers);
            if (response.status !== 200 || response.body !== "") throw new Error(`create refused: ${JSON.stringify(response.body)}`);
            submitAckMs.push(ackMs);
            if (load === "backlog" && (await scaleBacklog(pool, since)).unfinished > 0) acksWhileWorkerBusy += 1;
            if (k % 2 === 0) bareSubmitAckMs.push(await submitToBare(bareTarget, view, answers));
          });
        },
      });
      const live = await waitLive(pool, busyIndexes.map(deploymentName), 60_000);
      broken ||= brokenInvariants(scale.invariants);
      return { load, submitAckMs, bareSubmitAckMs, acksWhileWorkerBusy, created: PLAN.busyCreates, live, scale };
    };
    /** Both loads, one after the other: 2 × busyCreates deployments from `firstIndex` on. */
    const bothLoads = async (web: SlackTarget, firstIndex: number): Promise<BusyCreates[]> => [
      await busyCreates(web, firstIndex, "chains"),
      await busyCreates(web, firstIndex + PLAN.busyCreates, "backlog"),
    ];

    if (runs("busy")) {
      log(`create submissions while the worker runs ${PLAN.deployments * PLAN.busyPerChain} scales`);
      results.busy = await bothLoads(target, PLAN.deployments);
    }

    if (runs("single")) {
      log(`throughput: ${PLAN.deployments * PLAN.perChain} scales, one bot`);
      const rssBefore = await checkpoint(bot, "after ack latency and busy creates (0 throughput ops)", results.rssTimeline);
      const maxBefore = bot.rss.samples.length;
      const cpu = { bot: cpuSeconds(bot.pid), fakes: stack.fakesCpuSeconds() };
      const single = await scaleChains([target], fakes, pool, created.names, PLAN.perChain, current);
      results.cpu.push({ phase: "one bot", operations: single.operations, botSeconds: cpuSeconds(bot.pid) - cpu.bot, fakesSeconds: stack.fakesCpuSeconds() - cpu.fakes });
      const singleMax = Math.max(...bot.rss.samples.slice(maxBefore).map((s) => s.mib));
      const rssAfter = await checkpoint(bot, `after ${single.operations} ops`, results.rssTimeline);
      results.single = { ...single, rssBefore, rssAfter, rssMax: singleMax };
      broken ||= brokenInvariants(single.invariants);
    }

    if (PLAN.memoryPerChain > 0 && runs("memory")) {
      log(`memory: ${PLAN.deployments * PLAN.memoryPerChain} more scales on the same bot`);
      const mark = bot.rss.samples.length;
      const cpu = { bot: cpuSeconds(bot.pid), fakes: stack.fakesCpuSeconds() };
      const more = await scaleChains([target], fakes, pool, created.names, PLAN.memoryPerChain, current);
      results.cpu.push({ phase: "one bot, next", operations: more.operations, botSeconds: cpuSeconds(bot.pid) - cpu.bot, fakesSeconds: stack.fakesCpuSeconds() - cpu.fakes });
      const moreMax = Math.max(...bot.rss.samples.slice(mark).map((s) => s.mib));
      const moreAfter = await checkpoint(bot, `after ${(results.single?.operations ?? 0) + more.operations} ops`, results.rssTimeline);
      results.memory = { ...more, rssAfter: moreAfter, rssMax: moreMax };
      broken ||= brokenInvariants(more.invariants);
    }
    await stack.stopBot(bot);

    if (runs("split")) {
      log(`create submissions to a web process while a worker process runs ${PLAN.deployments * PLAN.busyPerChain} scales`);
      const worker = await startBot("worker", undefined, { DEPLOYBOT_ROLE: "worker" });
      const web = await startBot("web", undefined, { DEPLOYBOT_ROLE: "web" });
      // A fresh process runs its first requests cold (V8's JIT, Prisma's query compiler): the
      // one-process bot above had served the 100 creates first, and a replica in service has too.
      // Submissions that reuse a taken name run every check and are refused on the name field.
      const webTarget = targetOf(web.port, SIGNING_SECRET);
      await inParallel(PLAN.warmUpCreates, 5, async () => {
        const view = await openCreateModal(webTarget, fakes);
        const { response } = await submitModal(webTarget, fakes, view, { ...CREATE_ANSWERS, name: deploymentName(0) });
        if (!JSON.stringify(response.body).includes("already")) throw new Error(`warm-up: expected the taken name to be refused, got ${JSON.stringify(response.body)}`);
      });
      const loads = await bothLoads(webTarget, PLAN.deployments + 2 * PLAN.busyCreates);
      results.split = { loads, rss: { web: await settledRss(web), worker: await settledRss(worker) } };
      await Promise.all([stack.stopBot(web), stack.stopBot(worker)]);
    }
    await stack.stopBot(bare);

    if (runs("pair")) {
      log(`throughput: ${PLAN.deployments * PLAN.perChain} scales, two bot replicas`);
      const replicas = await Promise.all([startBot("replica-1"), startBot("replica-2")]);
      const pairBefore = await Promise.all(replicas.map((r) => settledRss(r)));
      const pairMarks = replicas.map((r) => r.rss.samples.length);
      const pairHeapBefore = await Promise.all(replicas.map((r) => heapAfterGc(r).catch(() => Number.NaN)));
      const pairCpu = { bots: replicas.map((r) => cpuSeconds(r.pid)), fakes: stack.fakesCpuSeconds() };
      const pair = await scaleChains(
        replicas.map((r) => targetOf(r.port, SIGNING_SECRET)),
        fakes,
        pool,
        created.names,
        PLAN.perChain,
        current,
      );
      results.cpu.push({
        phase: "two replicas",
        operations: pair.operations,
        botSeconds: replicas.reduce((sum, r, i) => sum + cpuSeconds(r.pid) - (pairCpu.bots[i] ?? 0), 0),
        fakesSeconds: stack.fakesCpuSeconds() - pairCpu.fakes,
      });
      const pairAfter = await Promise.all(replicas.map((r) => settledRss(r)));
      const pairHeapAfter = await Promise.all(replicas.map((r) => heapAfterGc(r).catch(() => Number.NaN)));
      results.pair = {
        ...pair,
        rss: replicas.map((r, i) => ({
          before: pairBefore[i] ?? Number.NaN,
          after: pairAfter[i] ?? Number.NaN,
          max: Math.max(...r.rss.samples.slice(pairMarks[i]).map((s) => s.mib)),
          heapBefore: pairHeapBefore[i] ?? Number.NaN,
          heapAfter: pairHeapAfter[i] ?? Number.NaN,
        })),
      };
      broken ||= brokenInvariants(pair.invariants);
      await Promise.all(replicas.map((r) => stack?.stopBot(r)));
    }

    if (PLAN.stored > 0 && runs("stored")) {
      const fresh100 = await startBot("fresh-100", false);
      const rssIdle100 = await settledRss(fresh100);
      const stored100 = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Deployment"`)).rows[0]?.n ?? 0);
      await stack.stopBot(fresh100);
      log(`scale: ${PLAN.stored.toLocaleString("en")} stored deployments`);
      const inserted = await insertDeployments(pool, deploymentName(0), PLAN.stored);
      log(`inserted ${inserted} rows`);
      const big = await startBot("stored", false);
      const rssIdle = await settledRss(big);
      const list = await listAtScale(targetOf(big.port, SIGNING_SECRET), fakes, 10);
      const rssAfterList = await settledRss(big);
      results.stored = { count: PLAN.stored, rssIdle, rssAfterList, rssIdle100, stored100, list };
      await stack.stopBot(big);
    }
    if (flags["cpu-prof"]) results.profile = summarizeProfiles(profileDir);
  } catch (error) {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    broken = true;
  } finally {
    await cleanUp();
  }
  process.stdout.write(`${render(results)}\n`);
  const busyScales = [...(results.busy ?? []), ...(results.split?.loads ?? [])].map((busy) => busy.scale);
  for (const phase of [...busyScales, results.single, results.memory, results.pair]) {
    for (const problem of phase?.invariants.problems.slice(0, 20) ?? []) log(`invariant: ${problem}`);
  }
  return broken ? 1 : 0;
}

/** Set by main once it has something to clean up; Ctrl-C runs it before leaving. */
let interrupted: (() => Promise<void>) | undefined;
process.once("SIGINT", () => {
  log("interrupted: cleaning up");
  void (interrupted?.() ?? killAll()).finally(() => process.exit(130));
});
process.exitCode = await main();
