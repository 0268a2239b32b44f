import type { KubeConfig } from "@kubernetes/client-node";
import { loadConfig, type Config } from "../../src/config.js";
import { startDeploybot, type Deploybot, type DeploybotOverrides } from "../../src/deploybot.js";
import { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { OperationRepository } from "../../src/store/operationRepository.js";
import { RevisionRepository } from "../../src/store/revisionRepository.js";
import { createLogger } from "../../src/logger.js";
import { secretsOfConfig } from "../../src/observability/redaction.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { startFakeKubeApiServer, type FakeKubeApiServer, type FakeKubeApiServerOptions } from "./fakeKubeApiServer.js";
import { createTestRedis, type TestRedis } from "./redis.js";
import { startSlackRecorder, type SlackRecorder, type SlackRecorderOptions } from "./slackRecorder.js";
import type { SlackTarget } from "./slackRequests.js";

export const SIGNING_SECRET = "test-signing-secret-0123456789";
export const BOT_TOKEN = "xoxb-test-bot-token";

/**
 * The bot's repositories on the harness's own connection to the test database: tests read state
 * the way the bot does, and still can after the harness's bot was stopped.
 */
export interface HarnessStore {
  deployments: DeploymentRepository;
  operations: OperationRepository;
  revisions: RevisionRepository;
}

export interface DeploybotHarness {
  bot: Deploybot;
  config: Config;
  database: TestDatabase;
  redis: TestRedis;
  kube: FakeKubeApiServer;
  slack: SlackRecorder;
  store: HarnessStore;
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
  /**
   * The database the bot uses, when not a copy of the template on the shared server (e.g. one on
   * a private PostgreSQL the test stops and starts); the harness disconnects it when it stops.
   */
  database?: TestDatabase;
  /**
   * The bot's kubeconfig, built from the harness's API server (default: that server alone), e.g.
   * with a context more for an environment that lives on a cluster of its own.
   */
  kubeConfig?: (kube: FakeKubeApiServer) => KubeConfig;
  /** Runs once the recorder is up and before the bot starts (e.g. to serve `apps.connections.open`). */
  beforeStart?: (slack: SlackRecorder) => Promise<void> | void;
}

/**
 * The whole bot, started as `npm start` would, against real Postgres and Redis (a database and a
 * queue prefix of this test file's own), a local Kubernetes API server and a Slack recorder.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<DeploybotHarness> {
  const database = options.database ?? (await createTestDatabase());
  const redis = createTestRedis();
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
  // The install creates the environment namespaces (the bot only checks them), as here.
  const kube = await startFakeKubeApiServer({
    autoCreateNamespaces: false,
    ...options.kube,
    namespaces: [...new Set([...Object.values(config.namespaces), ...(options.kube?.namespaces ?? [])])],
  });
  const logLines: string[] = [];
  // The logger `npm start` uses (with its redaction), writing into logLines.
  const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) }, options.redactKnownSecrets === false ? {} : { knownSecrets: secretsOfConfig(config) });
  const bot = await startDeploybot(config, {
    kubeConfig: options.kubeConfig?.(kube) ?? kube.kubeConfig(),
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
    store: {
      deployments: new DeploymentRepository(database.db),
      operations: new OperationRepository(database.db),
      revisions: new RevisionRepository(database.db),
    },
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

// The only raw queries the tests make: no repository offers these yet.

/**
 * How many operations are recorded, on any deployment or none. Raw because no repository counts
 * every operation (they list by deployment or by name); wanted: `OperationRepository.count()`.
 */
export async function countAllOperations(h: DeploybotHarness): Promise<number> {
  return h.database.db.operation.count();
}

/**
 * Moves a confirmation's expiry into the past, so the gate sweep expires it without the test
 * waiting for the TTL. Raw because no repository changes `gateExpiresAt` once recorded (and the
 * bot's clock cannot be set from a test); wanted: `OperationRepository.setGateExpiry(id, at)`.
 */
export async function backdateConfirmation(h: DeploybotHarness, operationId: string): Promise<void> {
  await h.database.db.operation.update({ where: { id: operationId }, data: { gateExpiresAt: new Date(Date.now() - 1000) } });
}
