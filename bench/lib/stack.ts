/**
 * The processes of one bench run: the fakes, the bot replicas (the compiled bot, `node
 * <build>/main.js`, configured only through its environment as in production) and the bare
 * Bolt baseline.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { BenchDatabase, BenchRedis } from "./benchServices.js";
import type { FakesReady } from "./fakesProtocol.js";
import { cpuSeconds, freePort, RssSampler, startLogged, startWithReadyLine, stop, waitForHttp, type Started } from "./processes.js";
import { FakesClient } from "./slackDriver.js";

const run = promisify(execFile);
export const PROJECT = resolve(import.meta.dirname, "../..");
export const SIGNING_SECRET = "bench-signing-secret-0123456789";
export const BOT_TOKEN = "xoxb-bench";
/** `node --import tsx`, not the tsx CLI: that one runs a second node process, whose RSS we would miss. */
const TS_NODE = ["--import", "tsx"];

/** The bot's runtime settings in production (V8 flags, allocator): KEY=VALUE lines, `#` comments. */
export const RUNTIME_ENV_FILE = join(PROJECT, "scripts/node-runtime.env");

/** Reads a runtime settings file as start.sh sources it (values may be double-quoted). */
export function readRuntimeEnv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) env[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
  }
  return env;
}

/** Only what a process needs: the bench never forwards the caller's DATABASE_URL and the like. */
function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production" };
}

/**
 * Compiles the bot as `npm start` does, into a directory of the run's own (so that a bench never
 * overwrites someone's dist/); a node_modules link lets the compiled files resolve packages.
 */
export async function buildBot(workDir: string): Promise<string> {
  const outDir = join(workDir, "build");
  mkdirSync(outDir, { recursive: true });
  await run(join(PROJECT, "node_modules/.bin/tsc"), ["-p", join(PROJECT, "tsconfig.build.json"), "--outDir", outDir], { cwd: PROJECT });
  symlinkSync(join(PROJECT, "node_modules"), join(outDir, "node_modules"));
  return join(outDir, "main.js");
}

/** The bot's sources run as they are (`--from-source`): no build, for the CI check of the invariants. */
export const SOURCE_ENTRY = join(PROJECT, "src/main.ts");

export interface BotProcess extends Started {
  port: number;
  rss: RssSampler;
  /** The bot's inspector port on 127.0.0.1, when it runs with one (for the heap probe). */
  inspectPort?: number;
}

/** The bot's V8 heap after a forced full GC, through its inspector. */
export async function heapAfterGc(bot: BotProcess): Promise<number> {
  if (bot.inspectPort === undefined) return Number.NaN;
  const { stdout } = await run(process.execPath, ["--experimental-websocket", "--no-warnings", ...TS_NODE, join(PROJECT, "bench/heapProbe.ts"), String(bot.inspectPort)], {
    cwd: PROJECT,
    timeout: 30_000,
  });
  return (JSON.parse(stdout) as { usedMiB: number }).usedMiB;
}

export class Stack {
  private constructor(
    readonly workDir: string,
    readonly fakes: FakesClient,
    readonly ready: FakesReady,
    private readonly fakesProcess: Started,
  ) {}

  static async start(workDir: string): Promise<Stack> {
    const { started, line } = await startWithReadyLine("fakes", process.execPath, [...TS_NODE, join(PROJECT, "bench/fakes.ts"), workDir], { ...baseEnv(), BENCH_BOT_TOKEN: BOT_TOKEN }, join(workDir, "fakes.log"));
    const ready = JSON.parse(line) as FakesReady;
    return new Stack(workDir, new FakesClient(ready.controlUrl), ready, started);
  }

  async startBot(
    name: string,
    options: { entry: string; database: BenchDatabase; redis: BenchRedis; env?: Record<string, string>; cpuProfileDir?: string; inspect?: boolean; runtimeEnvFile?: string },
  ): Promise<BotProcess> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...baseEnv(),
      // As in production (start.sh, the image): the V8 flags in NODE_OPTIONS and the allocator's.
      ...readRuntimeEnv(options.runtimeEnvFile ?? RUNTIME_ENV_FILE),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: this.ready.slackApiUrl,
      DATABASE_URL: options.database.url,
      REDIS_URL: options.redis.url,
      KUBECONFIG: this.ready.kubeconfigPath,
      PORT: String(port),
      DEPLOYBOT_QUEUE_PREFIX: options.redis.prefix,
      LOG_LEVEL: "info",
      ...options.env,
    };
    const inspectPort = options.inspect ? await freePort() : undefined;
    const args = [
      ...(inspectPort !== undefined ? [`--inspect=127.0.0.1:${inspectPort}`] : []),
      ...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
      ...(options.entry.endsWith(".ts") ? TS_NODE : []),
      options.entry,
    ];
    const started = startLogged(name, process.execPath, args, env, join(this.workDir, `${name}.log`));
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, started);
    return { ...started, port, rss: new RssSampler(started.pid, 1000), ...(inspectPort !== undefined ? { inspectPort } : {}) };
  }

  async startBareBolt(): Promise<BotProcess> {
    const port = await freePort();
    const env = { ...baseEnv(), PORT: String(port), SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN };
    const { started } = await startWithReadyLine("bare-bolt", process.execPath, [...TS_NODE, join(PROJECT, "bench/bareBolt.ts")], env, join(this.workDir, "bare-bolt.log"));
    return { ...started, port, rss: new RssSampler(started.pid, 1000) };
  }

  async stopBot(bot: BotProcess): Promise<void> {
    bot.rss.stop();
    // SIGTERM lets the bot finish its running steps and, with --cpu-prof, write its profile.
    await stop(bot.child, 30_000);
  }

  fakesCpuSeconds(): number {
    return cpuSeconds(this.fakesProcess.pid);
  }

  async close(): Promise<void> {
    await stop(this.fakesProcess.child);
  }
}
