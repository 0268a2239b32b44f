import { KubeConfig } from "@kubernetes/client-node";
import { WebClient } from "@slack/web-api";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { ClusterDirectory } from "./cluster/clusterDirectory.js";
import { defaultRenderContext, type RenderContext } from "./cluster/render/renderContext.js";
import { dutiesOf, type BotRole, type Config } from "./config.js";
import type { Environment } from "./domain/deploymentSpec.js";
import { DeploymentQueries } from "./operations/deploymentQueries.js";
import { DeploymentRequests } from "./operations/deploymentRequests.js";
import { OperationQueue } from "./jobs/operationQueue.js";
import { OperationRecovery } from "./jobs/operationRecovery.js";
import { AccessControl } from "./operations/accessControl.js";
import { ChangeRequests } from "./operations/changeRequests.js";
import { AccessAdministration } from "./operations/accessAdministration.js";
import { AuditQueries } from "./operations/auditQueries.js";
import { DeploymentFreezes } from "./operations/deploymentFreezes.js";
import { DryRuns } from "./operations/dryRuns.js";
import { OperationMessages } from "./operations/operationMessages.js";
import { OperationRequests } from "./operations/operationRequests.js";
import { OperationRunner } from "./jobs/operationRunner.js";
import { startOperationWorker, type OperationWorker } from "./jobs/operationWorker.js";
import { ModelUpdateRequests } from "./operations/modelUpdateRequests.js";
import { modelUpdateRunners, kindRunners } from "./jobs/kindRunners.js";
import { createCanaryMetrics } from "./monitoring/canaryMetrics.js";
import { createRequestRateSource } from "./monitoring/requestRate.js";
import { createLogger } from "./logger.js";
import { createMetrics, type BotMetrics } from "./observability/metrics.js";
import { observeOperationOutcomes, queueSnapshot } from "./observability/operationMetrics.js";
import { secretsOfConfig } from "./observability/redaction.js";
import { measuredSlackFetch } from "./observability/slackRequestMetrics.js";
import { checkComponents, healthRoutes } from "./slack/healthRoutes.js";
import { startOperationalServer, type OperationalServer } from "./http/operationalServer.js";
import { showExpiredConfirmations } from "./slack/operationAnnouncements.js";
import { slackLogger } from "./slack/slackLogger.js";
import { createSlackApp, type SlackAppHandle } from "./slack/slackApp.js";
import { SlackProgressPublisher } from "./slack/slackProgressPublisher.js";
import { SLACK_API_TIMEOUT_MS } from "./slack/slackTimeouts.js";
import { connectionBudget, createDatabase, pingDatabase, type ConnectionBudget, type Database } from "./store/database.js";
import { withReservedConnections } from "./store/connectionReserve.js";
import { DeploymentRepository } from "./store/deploymentRepository.js";
import { OperationRepository } from "./store/operationRepository.js";
import { RevisionRepository } from "./store/revisionRepository.js";
import { AccessRepository } from "./store/accessRepository.js";
import { ApprovalRepository } from "./store/approvalRepository.js";
import { AuditRepository } from "./store/auditRepository.js";
import { SlackUserDirectory } from "./slack/slackUserDirectory.js";
import { ChartRenderer } from "./monitoring/chartRenderer.js";
import { createDeploymentMetrics } from "./monitoring/deploymentMetrics.js";
import { AlertNotifier } from "./operations/alertNotifications.js";
import { AlertRequests } from "./operations/alertRequests.js";
import { DeploymentMonitoring } from "./operations/deploymentMonitoring.js";
import { AlertEvaluator, startAlertEvaluation } from "./jobs/alertEvaluation.js";
import { DriftDetector, startDriftDetection } from "./jobs/driftDetection.js";
import { DriftRepository } from "./store/driftRepository.js";
import { AlertRepository } from "./store/alertRepository.js";
import { SlackAlertPublisher } from "./slack/slackAlertPublisher.js";

export interface DeploybotOverrides {
  kubeConfig?: KubeConfig;
  logger?: Logger;
  /** Tests shorten the recovery sweep and the stalled-job check. */
  recoveryIntervalMs?: number;
  stalledIntervalMs?: number;
  lockDurationMs?: number;
  progressUpdateIntervalMs?: number;
  /** How often a rollout step looks at the cluster and its buttons (tests shorten it). */
  rolloutPollIntervalMs?: number;
  /** How often a long timed rollout step (pause, hold) wakes from parking to look at its pods. */
  rolloutWatchIntervalMs?: number;
  /** How often unanswered confirmations are checked for expiry. */
  gateSweepIntervalMs?: number;
  /** How often alerts are evaluated (tests shorten DEPLOYBOT_ALERT_EVALUATION_INTERVAL_SECONDS' minimum of 10 s). */
  alertEvaluationIntervalMs?: number;
  /** How often the drift check runs (tests shorten DEPLOYBOT_DRIFT_CHECK_INTERVAL_SECONDS). */
  driftCheckIntervalMs?: number;
  /** Deployments the drift check and the alert evaluation read at once (tests make pages small). */
  sweepPageSize?: number;
  /** How long a run waits in place for an unreachable database before the queue retries it (tests shorten it). */
  databaseOutageWaitMs?: number;
}

export interface Deploybot {
  port: number;
  db: Database;
  /** The PostgreSQL connections `db` may open (DATABASE_MAX_CONNECTIONS, or sized by role). */
  databaseConnections: ConnectionBudget;
  queue: OperationQueue;
  /** What this process does (`DEPLOYBOT_ROLE`). */
  role: BotRole;
  /** Absent in the `worker` role. */
  slack?: SlackAppHandle;
  /** Absent in the `web` role. */
  worker?: OperationWorker;
  recovery?: OperationRecovery;
  metrics: BotMetrics;
  /** The alert evaluation the scheduled job runs; tests may also run a round themselves. */
  alertEvaluator: AlertEvaluator;
  /** The drift check the scheduled job runs; tests may also run a round themselves. */
  driftDetector: DriftDetector;
  /** Readiness answers 503 from now on (SIGTERM); requests and jobs are still served until stop(). */
  beginDrain(): void;
  stop(): Promise<void>;
}

export function loadKubeConfig(config: Config): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfigPath) kubeConfig.loadFromFile(config.kubeconfigPath);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

/** Asks Slack who the bot is once at start; without it Bolt would ask on every request. */
async function botIdentity(client: WebClient, logger: Logger): Promise<{ botId: string; botUserId: string; teamId: string | null } | undefined> {
  try {
    const answer = await client.auth.test();
    if (answer.bot_id && answer.user_id) return { botId: answer.bot_id, botUserId: answer.user_id, teamId: answer.team_id ?? null };
  } catch (error) {
    logger.warn({ err: error }, "Slack auth.test failed at start; continuing, Slack requests will verify the token themselves");
  }
  return undefined;
}

/**
 * The composition root: builds every layer from the config and starts what the process's role
 * asks for: the Slack side (`web`), the worker and the periodic checks (`worker`), or both (`all`).
 */
export async function startDeploybot(config: Config, overrides: DeploybotOverrides = {}): Promise<Deploybot> {
  const logger = overrides.logger ?? createLogger(config.logLevel, undefined, { knownSecrets: secretsOfConfig(config) });
  const { servesSlack, runsJobs } = dutiesOf(config.role);
  const databaseConnections = connectionBudget(config);
  if (runsJobs && databaseConnections.shared < config.workerConcurrency) {
    logger.warn(
      { databaseConnections, workerConcurrency: config.workerConcurrency },
      "DATABASE_MAX_CONNECTIONS leaves fewer shared connections than DEPLOYBOT_WORKER_CONCURRENCY: jobs will wait for connections; lower the concurrency or raise the limit",
    );
  }
  const db = createDatabase(config.databaseUrl, databaseConnections);
  const deployments = new DeploymentRepository(db);
  const operations = new OperationRepository(db);
  const revisions = new RevisionRepository(db);

  // The queue fails fast while Redis is away (the operation stays recorded and is re-enqueued by
  // the recovery sweep).
  const queueConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  queueConnection.on("error", (error) => logger.warn({ err: error.message }, "Redis (queue) connection problem"));
  const queue = new OperationQueue(queueConnection, config.queuePrefix);

  const kubeConfig = overrides.kubeConfig ?? loadKubeConfig(config);
  const clusters = ClusterDirectory.create(kubeConfig, config.kubeContexts, { fieldManager: "deploybot", logger: logger.child({ component: "cluster" }) });
  const clusterFor = (environment: Environment) => clusters.forEnvironment(environment);
  const renderContextFor = (namespace: string): RenderContext =>
    defaultRenderContext(namespace, {
      modelServerImage: config.modelServerImage,
      containerPort: config.modelServerPort,
      modelServerUserId: config.modelServerUserId,
      progressDeadlineSeconds: config.progressDeadlineSeconds,
      gpuNodeLabelKey: config.gpuNodeLabelKey,
      trafficProvider: config.trafficProvider,
    });

  // Readiness is PostgreSQL alone; Redis and Kubernetes show in /healthz and the metrics.
  let draining = false;
  const dependencyChecks = { postgres: () => pingDatabase(db), redis: () => queueConnection.ping(), kubernetes: async () => void (await Promise.all(clusters.clusters().map((entry) => entry.cluster.ping()))) };
  const metrics = createMetrics({ queue: () => queueSnapshot(queue.queue), dependencies: () => checkComponents(dependencyChecks, 1500) });
  const health = {
    ready: () => checkComponents({ postgres: dependencyChecks.postgres }),
    details: () => checkComponents(dependencyChecks, 1500),
    isDraining: () => draining,
    metrics,
  };

  const slackClient = new WebClient(config.slack.botToken, {
    logger: slackLogger(logger.child({ component: "slack-web-api" })),
    fetch: measuredSlackFetch(metrics),
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    timeout: SLACK_API_TIMEOUT_MS,
  });
  const publisher = new SlackProgressPublisher(slackClient, new OperationMessages(operations), logger.child({ component: "progress" }), overrides.progressUpdateIntervalMs);
  // Pods and workloads are read from the cluster the deployment runs on (one reader per cluster).
  const podsFor = (environment: Environment) => clusters.podsFor(environment);
  const workloadsFor = (environment: Environment) => clusters.workloadsFor(environment);
  const canaryMetrics = createCanaryMetrics({ ...config.canaryMetrics, trafficProvider: config.trafficProvider });
  const runner = new OperationRunner({
    deployments,
    operations,
    clusterFor,
    renderContextFor,
    publisher,
    runners: {
      ...kindRunners,
      ...modelUpdateRunners({
        operations,
        revisions,
        metrics: canaryMetrics,
        publisher,
        maxPauseMs: config.maxPauseMs,
        ...(overrides.rolloutPollIntervalMs ? { pollIntervalMs: overrides.rolloutPollIntervalMs, threadIntervalMs: overrides.rolloutPollIntervalMs } : {}),
        ...(overrides.rolloutWatchIntervalMs ? { watchIntervalMs: overrides.rolloutWatchIntervalMs } : {}),
      }),
    },
    logger: logger.child({ component: "runner" }),
    podsFor,
    ...(overrides.databaseOutageWaitMs === undefined ? {} : { databaseOutageWaitMs: overrides.databaseOutageWaitMs }),
  });
  // Who the bot is decides who is "external": asked once, before the first request is authorized.
  const identity = servesSlack ? await botIdentity(slackClient, logger) : undefined;
  const access = new AccessControl({
    access: new AccessRepository(db),
    directory: new SlackUserDirectory(slackClient, logger.child({ component: "user-directory" })),
    homeTeamId: () => identity?.teamId ?? null,
    configuredAdmins: config.adminUsers,
  });
  const operationRequests = new OperationRequests({
    deployments,
    operations,
    approvals: new ApprovalRepository(db),
    audit: new AuditRepository(db),
    access,
    queue,
    confirmationTtlMs: config.confirmationTtlMs,
    logger: logger.child({ component: "operations" }),
  });

  const drift = new DriftRepository(db);
  const requests = new DeploymentRequests({
    deployments,
    operations,
    drift,
    requests: operationRequests,
    access,
    namespaces: config.namespaces,
    trafficProvider: config.trafficProvider,
    clusterFor,
    logger: logger.child({ component: "requests" }),
  });

  const modelUpdates = new ModelUpdateRequests({
    deployments,
    operations,
    revisions,
    requests: operationRequests,
    trafficProvider: config.trafficProvider,
    metricsConfigured: canaryMetrics.configured,
    access,
  });

  // Watching what runs: metrics, charts, logs and alerts.
  const monitoringConfig = config.monitoring;
  const deploymentMetrics = createDeploymentMetrics(monitoringConfig);
  const chartRenderer = new ChartRenderer(monitoringConfig.quickChart);
  const alertRepository = new AlertRepository(db);
  const alertNotifier = new AlertNotifier({
    alerts: alertRepository,
    publisher: new SlackAlertPublisher(slackClient),
    metrics: deploymentMetrics,
    charts: chartRenderer,
    podsFor,
    oncallGroupId: config.alertOncallGroupId,
    logger: logger.child({ component: "alerts" }),
  });
  const alertRequests = new AlertRequests({ alerts: alertRepository, deployments, access, notifier: alertNotifier, defaultRules: monitoringConfig.alerts.rules });
  const pageSize = overrides.sweepPageSize === undefined ? {} : { pageSize: overrides.sweepPageSize };
  const alertEvaluator = new AlertEvaluator({
    deployments,
    alerts: alertRepository,
    notifier: alertNotifier,
    metrics: deploymentMetrics,
    workloads: { readFleet: (namespaces) => clusters.readFleet(namespaces, config.namespaces) },
    defaultRules: monitoringConfig.alerts.rules,
    logger: logger.child({ component: "alert-evaluation" }),
    ...pageSize,
  });

  const driftDetector = new DriftDetector({ deployments, drift, clusterFor, renderContextFor, logger: logger.child({ component: "drift-check" }), ...pageSize });

  const slackDependencies = {
    requests,
    operations: operationRequests,
    queries: new DeploymentQueries({
      deployments,
      operations,
      clusterFor,
      containerPort: config.modelServerPort,
      drift,
      requestRate: createRequestRateSource({ trafficProvider: config.trafficProvider, ...(config.canaryMetrics.prometheusUrl ? { prometheusUrl: config.canaryMetrics.prometheusUrl } : {}) }),
    }),
    modelUpdates,
    changeRequests: new ChangeRequests({
      deployments,
      renderContextFor,
      prices: config.prices,
      approvalsOf: (operationId) => operationRequests.approvalsOf(operationId),
    }),
    freezes: new DeploymentFreezes({ deployments, access, requests: operationRequests }),
    audit: new AuditQueries({ audit: new AuditRepository(db), deployments, access }),
    accessAdministration: new AccessAdministration({ access: new AccessRepository(db), control: access, requests: operationRequests }),
    dryRuns: new DryRuns({ deployments, clusterFor, renderContextFor, access, requests: operationRequests, modelUpdates }),
    monitoring: new DeploymentMonitoring({ deployments, revisions, access, metrics: deploymentMetrics, workloadsFor, podsFor, charts: chartRenderer }),
    alerts: alertRequests,
    alertmanagerToken: monitoringConfig.alerts.alertmanagerToken,
    untilAnswered: withReservedConnections,
    publisher,
    health,
    metrics,
    trafficProvider: config.trafficProvider,
    logger,
  };
  const slackOptions = {
    botToken: config.slack.botToken,
    signingSecret: config.slack.signingSecret,
    port: config.port,
    ...(config.slack.appToken ? { appToken: config.slack.appToken } : {}),
    ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
    ...(identity ? { botIdentity: { botId: identity.botId, botUserId: identity.botUserId } } : {}),
  };
  const slack = servesSlack ? createSlackApp(slackOptions, slackDependencies) : undefined;
  // Confirmations nobody answered in time: settle them and say so on their messages.
  const gateSweep = slack
    ? setInterval(() => {
        showExpiredConfirmations(slack.app.client, slackDependencies).catch((error: unknown) => logger.warn({ err: error }, "confirmation expiry sweep failed; will retry"));
      }, overrides.gateSweepIntervalMs ?? 30_000)
    : undefined;
  gateSweep?.unref();

  const jobs = runsJobs ? startJobs() : undefined;
  /** The worker, the recovery sweep and the periodic checks (drift, alerts): the `worker` role's part. */
  function startJobs() {
    // The worker's connection waits for Redis to come back; so do the schedules', on their own.
    const workerConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    workerConnection.on("error", (error) => logger.warn({ err: error.message }, "Redis (worker) connection problem"));
    const worker = startOperationWorker(runner, {
      connection: workerConnection,
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      logger: logger.child({ component: "worker" }),
      ...(overrides.lockDurationMs ? { lockDurationMs: overrides.lockDurationMs } : {}),
      ...(overrides.stalledIntervalMs ? { stalledIntervalMs: overrides.stalledIntervalMs } : {}),
    });
    observeOperationOutcomes(worker.worker, async (id) => (await operations.get(id))?.kind, metrics);
    const recovery = new OperationRecovery({ operations, queue, runner, logger: logger.child({ component: "recovery" }) });
    recovery.start(overrides.recoveryIntervalMs ?? 60_000);

    // Its own connection: the worker blocks on Redis, and the schedules must not wait behind it.
    const scheduleConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    scheduleConnection.on("error", (error) => logger.warn({ err: error.message }, "Redis (schedules) connection problem"));
    const driftSchedule = startDriftDetection({
      connection: scheduleConnection,
      prefix: config.queuePrefix,
      intervalMs: overrides.driftCheckIntervalMs ?? config.driftCheckIntervalMs,
      detector: driftDetector,
      logger: logger.child({ component: "drift-check" }),
    });
    const alertSchedule = startAlertEvaluation({
      connection: scheduleConnection,
      prefix: config.queuePrefix,
      intervalMs: overrides.alertEvaluationIntervalMs ?? monitoringConfig.alerts.evaluationIntervalSeconds * 1000,
      evaluator: alertEvaluator,
      logger: logger.child({ component: "alert-evaluation" }),
    });
    return {
      worker,
      recovery,
      /** Stops taking jobs at a safe point (running handlers see the abort), then the schedules. */
      async stop() {
        recovery.stop();
        await worker.close();
        await alertSchedule.close();
        await driftSchedule.close();
        scheduleConnection.disconnect();
        workerConnection.disconnect();
      },
    };
  }

  // Without the Slack side, the probes and Prometheus still need /healthz, /readyz and /metrics.
  let operationalServer: OperationalServer | undefined;
  let port: number;
  if (slack) port = await slack.start();
  else {
    operationalServer = await startOperationalServer(healthRoutes(health), config.port);
    port = operationalServer.port;
  }
  logger.info(
    { port, role: config.role, socketMode: servesSlack && Boolean(config.slack.appToken), trafficProvider: config.trafficProvider, databaseConnections },
    "deploybot started",
  );

  return {
    port,
    db,
    databaseConnections,
    queue,
    role: config.role,
    ...(slack ? { slack } : {}),
    ...(jobs ? { worker: jobs.worker, recovery: jobs.recovery } : {}),
    metrics,
    alertEvaluator,
    driftDetector,
    beginDrain() {
      draining = true;
    },
    async stop() {
      clearInterval(gateSweep);
      await slack?.stop().catch(() => undefined);
      await operationalServer?.close().catch(() => undefined);
      await jobs?.stop();
      publisher.close();
      await queue.close();
      queueConnection.disconnect();
      await db.$disconnect();
    },
  };
}
