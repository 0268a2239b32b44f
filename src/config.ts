import { z } from "zod";
import { KubeContextConfigError, parseKubeContexts, type KubeContexts } from "./cluster/kubeContexts.js";
import type { ResourcePrices } from "./domain/changeRequest.js";
import { ENVIRONMENTS, type Environment } from "./domain/deploymentSpec.js";
import { parseMonitoringConfig, type MonitoringConfig } from "./monitoring/monitoringConfig.js";

/**
 * Configuration from the environment, validated once at start. Each bad or missing value is
 * reported by its variable name with what is expected; secret values are never echoed.
 */

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const urlWithProtocols = (protocols: string[], example: string) =>
  z
    .string({ error: `is required (e.g. ${example})` })
    .trim()
    .min(1, { error: `is required (e.g. ${example})` })
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { error: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")} (e.g. ${example})` },
    );

const wholeNumber = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (value) => (value === undefined || value === "" ? fallback : Number(value)),
    z
      .number({ error: "must be a whole number" })
      .int({ error: "must be a whole number" })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );
const positiveInteger = (fallback: number, max: number) => wholeNumber(fallback, 1, max);
/** A whole number that may be left unset (the bot then derives it). */
const optionalWholeNumber = (min: number, max: number) =>
  z.preprocess(
    (value) => (value === undefined || value === "" ? undefined : Number(value)),
    z
      .number({ error: "must be a whole number" })
      .int({ error: "must be a whole number" })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` })
      .optional(),
  );

const price = (fallback: number) =>
  z.preprocess(
    (value) => (value === undefined || value === "" ? fallback : Number(value)),
    z.number({ error: "must be a number (a price per hour)" }).min(0, { error: "must be at least 0" }).max(10_000, { error: "must be at most 10000" }),
  );

const slackUserIds = z
  .string()
  .trim()
  .default("")
  .transform((value) => value.split(/[\s,]+/).filter((id) => id.length > 0))
  .pipe(z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, { error: "must list Slack user ids (U…), separated by commas" })));

const environmentSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: "is required: the bot token (xoxb-...) from your Slack app's OAuth page" })
    .trim()
    .regex(/^xoxb-/, { error: "must be a bot token starting with xoxb-" }),
  SLACK_SIGNING_SECRET: z
    .string({ error: "is required: the signing secret from your Slack app's Basic Information page" })
    .trim()
    .min(8, { error: "looks too short to be a Slack signing secret" }),
  SLACK_APP_TOKEN: optionalText.pipe(
    z.string().regex(/^xapp-/, { error: "must be an app-level token starting with xapp- (Socket Mode)" }).optional(),
  ),
  SLACK_API_URL: optionalText.pipe(urlWithProtocols(["http:", "https:"], "https://slack.com/api/").optional()),
  DATABASE_URL: urlWithProtocols(["postgresql:", "postgres:"], "postgresql://user@host:5432/deploybot"),
  // Unset, each process sizes its pool by role and worker concurrency (store/database.ts connectionBudget).
  DATABASE_MAX_CONNECTIONS: optionalWholeNumber(3, 1000),
  REDIS_URL: urlWithProtocols(["redis:", "rediss:"], "redis://127.0.0.1:6379"),
  KUBECONFIG: optionalText,
  // 0 asks the system for a free port (tests); the bot logs the one it got.
  PORT: wholeNumber(3000, 0, 65535),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"], { error: "must be one of fatal, error, warn, info, debug, trace" }).default("info"),
  DEPLOYBOT_NAMESPACE_DEVELOPMENT: optionalText,
  DEPLOYBOT_NAMESPACE_STAGING: optionalText,
  DEPLOYBOT_NAMESPACE_PRODUCTION: optionalText,
  DEPLOYBOT_TRAFFIC_PROVIDER: z.enum(["service", "istio"], { error: "must be service or istio" }).default("service"),
  DEPLOYBOT_MODEL_SERVER_IMAGE: z.string().trim().min(1).default("ghcr.io/deploybot/model-server:1.0"),
  DEPLOYBOT_MODEL_SERVER_PORT: positiveInteger(8080, 65535),
  // Model pods run under the restricted security profile, which needs a numeric non-root user.
  DEPLOYBOT_MODEL_SERVER_USER_ID: positiveInteger(1000, 2_147_483_647),
  DEPLOYBOT_PROGRESS_DEADLINE_SECONDS: positiveInteger(600, 7200),
  DEPLOYBOT_GPU_NODE_LABEL_KEY: z.string().trim().min(1).default("nvidia.com/gpu.product"),
  DEPLOYBOT_CONFIRMATION_TTL_MINUTES: positiveInteger(10, 1440),
  DEPLOYBOT_QUEUE_PREFIX: z.string().trim().regex(/^[A-Za-z0-9_-]+$/, { error: "may use letters, digits, '-' and '_'" }).default("deploybot"),
  DEPLOYBOT_ROLE: z.enum(["all", "web", "worker"], { error: "must be all, web or worker" }).default("all"),
  // Most of a job's time is spent waiting on the cluster (pods becoming ready), not on this process:
  // 16 keeps a 2-core bot busy (the bench did 1,000 scales in 51 s at 16, 106 s at 4).
  DEPLOYBOT_WORKER_CONCURRENCY: positiveInteger(16, 64),
  DEPLOYBOT_DRAIN_SECONDS: wholeNumber(15, 0, 600),
  // A paused rollout waits at most this long (without holding a worker slot), then rolls back.
  DEPLOYBOT_MAX_PAUSE_HOURS: positiveInteger(24, 720),
  // How often live objects are compared with the stored specs: drift shows on the details panel within a round.
  DEPLOYBOT_DRIFT_CHECK_INTERVAL_SECONDS: positiveInteger(30, 3600),
  PROMETHEUS_URL: optionalText.pipe(urlWithProtocols(["http:", "https:"], "http://prometheus.monitoring:9090").optional()),
  DEPLOYBOT_CANARY_ERROR_RATE_QUERY: optionalText,
  DEPLOYBOT_CANARY_P99_LATENCY_QUERY: optionalText,
  DEPLOYBOT_ADMIN_USERS: slackUserIds,
  DEPLOYBOT_PRICE_CPU_CORE_HOUR: price(0.04),
  DEPLOYBOT_PRICE_MEMORY_GB_HOUR: price(0.005),
  DEPLOYBOT_PRICE_GPU_HOUR_T4: price(0.35),
  DEPLOYBOT_PRICE_GPU_HOUR_V100: price(2.48),
  DEPLOYBOT_PRICE_GPU_HOUR_A100: price(3.67),
  DEPLOYBOT_PRICE_CURRENCY: z.string().trim().min(1).max(4).default("$"),
  DEPLOYBOT_ALERT_ONCALL_GROUP: optionalText.pipe(z.string().regex(/^S[A-Z0-9]{2,}$/, { error: "must be a Slack user group id (S…)" }).optional()),
});

export type BotRole = "all" | "web" | "worker";

/** What a process of `role` does: answer Slack (`web`, `all`), run the jobs (`worker`, `all`). */
export function dutiesOf(role: BotRole): { servesSlack: boolean; runsJobs: boolean } {
  return { servesSlack: role !== "worker", runsJobs: role !== "web" };
}

export interface Config {
  slack: { botToken: string; signingSecret: string; appToken?: string; apiUrl?: string };
  databaseUrl: string;
  /** PostgreSQL connections this process may open, reserve included; unset, sized by role (connectionBudget). */
  databaseMaxConnections?: number;
  redisUrl: string;
  kubeconfigPath?: string;
  port: number;
  logLevel: string;
  namespaces: Record<Environment, string>;
  trafficProvider: "service" | "istio";
  modelServerImage: string;
  modelServerPort: number;
  /** Numeric user (and group) the model server runs as: the user its image expects. */
  modelServerUserId: number;
  progressDeadlineSeconds: number;
  gpuNodeLabelKey: string;
  confirmationTtlMs: number;
  queuePrefix: string;
  /**
   * What this process does: `web` answers Slack (and serves the Alertmanager webhook), `worker`
   * runs the operations and the periodic checks, `all` both. Split, a busy worker never delays
   * Slack's 3-second acknowledgement, and each side scales on its own.
   */
  role: BotRole;
  workerConcurrency: number;
  /** How long a paused rollout waits for a button before it rolls back. */
  maxPauseMs: number;
  /** How often the drift check compares the live objects with the stored specs. */
  driftCheckIntervalMs: number;
  /** After SIGTERM: how long readiness answers 503 while requests are still served, before stopping. */
  drainSeconds: number;
  /** Canary analysis metrics; without a Prometheus URL analysis is readiness-only. */
  canaryMetrics: { prometheusUrl?: string; errorRateQuery?: string; p99LatencyQuery?: string };
  /** Slack users who administer the access policy before (and besides) any admin grant. */
  adminUsers: string[];
  /** Prices for the cost line of change requests. */
  prices: ResourcePrices;
  /** The kubeconfig context of each environment (unset: the current one), for environments on separate clusters. */
  kubeContexts: KubeContexts;
  /** Metrics, charts and alerts (src/monitoring/monitoringConfig.ts). */
  monitoring: MonitoringConfig;
  /** The Slack user group a firing alert mentions. */
  alertOncallGroupId?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`deploybot cannot start, its configuration has problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = environmentSchema.safeParse(env);
  const monitoring = parseMonitoringConfig(env);
  let kubeContexts: KubeContexts | undefined;
  const problems = [
    ...(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`)),
    ...(monitoring.ok ? [] : monitoring.errors),
  ];
  try {
    kubeContexts = parseKubeContexts(env);
  } catch (error) {
    if (!(error instanceof KubeContextConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (!result.success || !monitoring.ok || !kubeContexts || problems.length > 0) throw new ConfigError(problems);
  const values = result.data;
  const namespaceOverrides: Record<Environment, string | undefined> = {
    development: values.DEPLOYBOT_NAMESPACE_DEVELOPMENT,
    staging: values.DEPLOYBOT_NAMESPACE_STAGING,
    production: values.DEPLOYBOT_NAMESPACE_PRODUCTION,
  };
  const namespaces = Object.fromEntries(
    ENVIRONMENTS.map((environment) => [environment, namespaceOverrides[environment] ?? `ml-${environment}`]),
  ) as Record<Environment, string>;
  return {
    slack: {
      botToken: values.SLACK_BOT_TOKEN,
      signingSecret: values.SLACK_SIGNING_SECRET,
      ...(values.SLACK_APP_TOKEN ? { appToken: values.SLACK_APP_TOKEN } : {}),
      ...(values.SLACK_API_URL ? { apiUrl: values.SLACK_API_URL } : {}),
    },
    databaseUrl: values.DATABASE_URL,
    ...(values.DATABASE_MAX_CONNECTIONS !== undefined ? { databaseMaxConnections: values.DATABASE_MAX_CONNECTIONS } : {}),
    redisUrl: values.REDIS_URL,
    ...(values.KUBECONFIG ? { kubeconfigPath: values.KUBECONFIG } : {}),
    port: values.PORT,
    logLevel: values.LOG_LEVEL,
    namespaces,
    trafficProvider: values.DEPLOYBOT_TRAFFIC_PROVIDER,
    modelServerImage: values.DEPLOYBOT_MODEL_SERVER_IMAGE,
    modelServerPort: values.DEPLOYBOT_MODEL_SERVER_PORT,
    modelServerUserId: values.DEPLOYBOT_MODEL_SERVER_USER_ID,
    progressDeadlineSeconds: values.DEPLOYBOT_PROGRESS_DEADLINE_SECONDS,
    gpuNodeLabelKey: values.DEPLOYBOT_GPU_NODE_LABEL_KEY,
    confirmationTtlMs: values.DEPLOYBOT_CONFIRMATION_TTL_MINUTES * 60_000,
    queuePrefix: values.DEPLOYBOT_QUEUE_PREFIX,
    role: values.DEPLOYBOT_ROLE,
    workerConcurrency: values.DEPLOYBOT_WORKER_CONCURRENCY,
    maxPauseMs: values.DEPLOYBOT_MAX_PAUSE_HOURS * 3600_000,
    driftCheckIntervalMs: values.DEPLOYBOT_DRIFT_CHECK_INTERVAL_SECONDS * 1000,
    adminUsers: values.DEPLOYBOT_ADMIN_USERS,
    kubeContexts,
    prices: {
      cpuCoreHour: values.DEPLOYBOT_PRICE_CPU_CORE_HOUR,
      memoryGbHour: values.DEPLOYBOT_PRICE_MEMORY_GB_HOUR,
      gpuHour: {
        "nvidia-t4": values.DEPLOYBOT_PRICE_GPU_HOUR_T4,
        "nvidia-v100": values.DEPLOYBOT_PRICE_GPU_HOUR_V100,
        "nvidia-a100": values.DEPLOYBOT_PRICE_GPU_HOUR_A100,
      },
      currency: values.DEPLOYBOT_PRICE_CURRENCY,
    },
    drainSeconds: values.DEPLOYBOT_DRAIN_SECONDS,
    monitoring: monitoring.config,
    ...(values.DEPLOYBOT_ALERT_ONCALL_GROUP ? { alertOncallGroupId: values.DEPLOYBOT_ALERT_ONCALL_GROUP } : {}),
    canaryMetrics: {
      ...(values.PROMETHEUS_URL ? { prometheusUrl: values.PROMETHEUS_URL } : {}),
      ...(values.DEPLOYBOT_CANARY_ERROR_RATE_QUERY ? { errorRateQuery: values.DEPLOYBOT_CANARY_ERROR_RATE_QUERY } : {}),
      ...(values.DEPLOYBOT_CANARY_P99_LATENCY_QUERY ? { p99LatencyQuery: values.DEPLOYBOT_CANARY_P99_LATENCY_QUERY } : {}),
    },
  };
}
