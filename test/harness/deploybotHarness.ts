import { loadConfig, type Config } from "../../src/config.js";
import { startDeploybot, type Deploybot, type DeploybotOverrides } from "../../src/deploybot.js";
import { createLogger } from "../../src/logger.js";
import { secretsOfConfig } from "../../src/observability/redaction.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { startFakeKubeApiServer, type FakeKubeApiServer, type FakeKubeApiServerOptions } from "./fakeKubeApiServer.js";
import { createTestRedis, type TestRedis } from "./redis.js";
import { startSlackRecorder, type SlackRecorder, type SlackRecorderOptions } from "./slackRecorder.js";
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
  /**
   * Whether the logger also removes the secret values it was told about, as `npm start`'s does
   * (default). A test of redaction by shape and key alone turns it off.
   */
  redactKnownSecrets?: boolean;
  /**
   * A password to put in DATABASE_URL (the local server trusts loopback connections and never
   * asks for it): a secret the bot holds, for tests that check it never reaches a log line.
   */
  databasePassword?: string;
  /** More recorder options, e.g. the app-level token it accepts for Socket Mode. */
  slack?: Omit<SlackRecorderOptions, "botToken">;
  /** Runs once the recorder is up and before the bot starts (e.g. to serve `apps.connections.open`). */
  beforeStart?: (slack: SlackRecorder) => Promise<void> | void;
}

/**
 * The whole bot, started as `npm start` would, against real Postgres and Redis (a database and a
 * queue prefix of this test file's own), a local Kubernetes API server and a Slack recorder.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<DeploybotHarness> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const kube = await startFakeKubeApiServer({ autoCreateNamespaces: false, ...options.kube });
  const slack = await startSlackRecorder({ ...options.slack, botToken: BOT_TOKEN });
  await options.beforeStart?.(slack);
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    DATABASE_URL: options.databasePassword ? withPassword(database.url, options.databasePassword) : database.url,
    REDIS_URL: redis.url,
    PORT: "0",
    DEPLOYBOT_QUEUE_PREFIX: redis.prefix,
    DEPLOYBOT_PROGRESS_DEADLINE_SECONDS: "30",
    LOG_LEVEL: "debug",
    ...options.env,
  });
  const logLines: string[] = [];
  // The logger `npm start` uses (with its redaction), writing into logLines.
  const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) }, options.redactKnownSecrets === false ? {} : { knownSecrets: secretsOfConfig(config) });
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

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
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
