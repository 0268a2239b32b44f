import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, type DeploybotHarness } from "./deploybotHarness.js";

/**
 * The bot as `npm start` runs it — `src/main.ts` in a process of its own, configured by the
 * environment, with main's own logger, signal handling and exit — against a harness's PostgreSQL,
 * Redis, Kubernetes API and Slack recorder. Tests send it signals and read every line it logs.
 */
export interface MainProcess {
  process: ChildProcess;
  port: number;
  /** Every line written to stdout (pino's JSON lines) and stderr, in order. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  cleanup(): void;
}

export async function startMainProcess(h: DeploybotHarness, env: Record<string, string> = {}): Promise<MainProcess> {
  const dir = mkdtempSync(join(tmpdir(), "deploybot-main-"));
  const kubeconfig = join(dir, "config");
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "fake", cluster: { server: h.kube.url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "fake", user: { token: h.kube.token } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
      "current-context": "fake",
    }),
  );
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      PATH: process.env.PATH ?? "",
      SLACK_BOT_TOKEN: h.config.slack.botToken,
      SLACK_SIGNING_SECRET: h.config.slack.signingSecret,
      SLACK_API_URL: h.config.slack.apiUrl ?? "",
      DATABASE_URL: h.config.databaseUrl,
      REDIS_URL: h.config.redisUrl,
      DEPLOYBOT_QUEUE_PREFIX: h.config.queuePrefix,
      KUBECONFIG: kubeconfig,
      PORT: "0",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString().split("\n").filter((line) => line !== ""));
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const port = await eventually(() => {
    if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode}:\n${output.join("\n")}`);
    for (const line of output) {
      if (!line.includes("deploybot started")) continue;
      const parsed = JSON.parse(line) as { port?: number };
      if (parsed.port) return parsed.port;
    }
    return undefined;
  }, 30_000, "the bot process to start");
  return {
    process: child,
    port,
    output,
    exited,
    cleanup() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
