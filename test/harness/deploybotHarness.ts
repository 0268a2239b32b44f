import { pino } from "pino";
import { loadConfig, type Config } from "../../src/config.js";
import { startDeploybot, type Deploybot, type DeploybotOverrides } from "../../src/deploybot.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { startFakeKubeApiServer, type FakeKubeApiServer, type FakeKubeApiServerOptions } from "./fakeKubeApiServer.js";
import { createTestRedis, type TestRedis } from "./redis.js";
import { startSlackRecorder, type SlackRecorder } from "./slackRecorder.js";
import type { SlackTarget } from "./slackRequests.js";

export const SIGNING_SECRET = "test-signing-secret-0123456789";
export const BOT_TOKEN = "xoxb-test-bot-token";

export interface DeploybotHarness {
  bot: Deploybot;
  config: Config;
  database: TestDatabase;
  redis: TestRedis;
  kube: FakeKubeApiServer;
  slack: SlackRecorder;
  target: SlackTarget;
  /** Log lines the bot wrote, for asserting that secrets never reach them. */
  logLines: string[];
  stop(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  kube?: FakeKubeApiServerOptions;
  overrides?: DeploybotOverrides;
}

/**
 * The whole bot, started as `npm start` would, against real Postgres and Redis (a database and a
 * queue prefix of this test file's own), a local Kubernetes API server and a Slack recorder.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<DeploybotHarness> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const slack = await startSlackRecorder({ botToken: BOT_TOKEN });
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    PORT: "0",
    DEPLOYBOT_QUEUE_PREFIX: redis.prefix,
    DEPLOYBOT_PROGRESS_DEADLINE_SECONDS: "30",
    LOG_LEVEL: "debug",
    ...options.env,
  });
  // The install creates the environment namespaces (the bot only checks them), as here.
  const kube = await startFakeKubeApiServer({
    autoCreateNamespaces: false,
    ...options.kube,
    namespaces: [...new Set([...Object.values(config.namespaces), ...(options.kube?.namespaces ?? [])])],
  });
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const bot = await startDeploybot(config, {
    kubeConfig: kube.kubeConfig(),
    logger,
    recoveryIntervalMs: 60_000,
    progressUpdateIntervalMs: 50,
    ...options.overrides,
  });
  return {
    bot,
    config,
    database,
    redis,
    kube,
    slack,
    target: { url: `http://127.0.0.1:${bot.port}/slack/events`, signingSecret: SIGNING_SECRET, recorder: slack },
    logLines,
    async stop() {
      await bot.stop();
      await Promise.all([kube.close(), slack.close()]);
      await redis.cleanup();
      await database.drop();
    },
  };
}

/** Polls until the check returns something (not false, null or undefined) without throwing. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = "condition"): Promise<NonNullable<Exclude<T, false>>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined && value !== null) return value as NonNullable<Exclude<T, false>>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
