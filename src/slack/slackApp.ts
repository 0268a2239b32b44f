import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, HTTPReceiver, type ReceiverEvent } from "@slack/bolt";
import { slackLogger } from "./slackLogger.js";
import { registerActionListeners } from "./listeners/actions/index.js";
import { registerCommandListeners } from "./listeners/commands/index.js";
import type { SlackDependencies } from "./listeners/listenerContext.js";
import { registerViewListeners } from "./listeners/views/index.js";
import { ListenerRoutes } from "./listeners/listenerRoutes.js";
import { healthRoutes, type OperationalEndpoints } from "./healthRoutes.js";
import { alertmanagerRoute } from "./alertmanagerRoute.js";
import { startOperationalServer, type OperationalServer } from "../http/operationalServer.js";
import type { BotMetrics } from "../observability/metrics.js";
import { measureSlackRequests, measuredSlackFetch } from "../observability/slackRequestMetrics.js";
import { SLACK_API_TIMEOUT_MS } from "./slackTimeouts.js";

type BoltApp = App;

export interface SlackAppOptions {
  botToken: string;
  signingSecret: string;
  appToken?: string;
  apiUrl?: string;
  port: number;
  /** Known bot identity spares Bolt an `auth.test` call on every request. */
  botIdentity?: { botId: string; botUserId: string };
}

export interface SlackAppDependencies extends SlackDependencies {
  health: OperationalEndpoints;
  metrics: BotMetrics;
  /** The bearer token of `POST /alertmanager`; undefined closes it. */
  alertmanagerToken: string | undefined;
  /**
   * Runs a request's work with priority on shared resources until it calls `answered()`: what a
   * request does before its acknowledgement races Slack's 3 s, what it does after does not.
   */
  untilAnswered<T>(work: (answered: () => void) => Promise<T>): Promise<T>;
}

/**
 * Every button, form submission and other interaction, over HTTP or Socket Mode, has priority
 * until it acknowledges. Slash commands do not need it: `/deploy` acknowledges before any read
 * (help is answered in the acknowledgement itself, see deployCommand), and the priority is not
 * free: while any request holds it, Node tracks the context of every promise the process makes
 * (measured: 0.2–0.3 ms more CPU per `/deploy help`, a quarter of its cost).
 */
function prioritizeUntilAcknowledged(app: BoltApp, untilAnswered: SlackAppDependencies["untilAnswered"]): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event: ReceiverEvent): Promise<void> =>
    isSlashCommand(event.body) ? processEvent(event) : untilAnswered((answered) =>
      processEvent({
        ...event,
        ack: async (response) => {
          answered();
          await event.ack(response);
        },
      }),
    );
}

function isSlashCommand(body: ReceiverEvent["body"]): boolean {
  return typeof body.command === "string";
}

export interface SlackAppHandle {
  app: BoltApp;
  /** Starts serving; resolves with the HTTP port (health routes, and Slack's requests in HTTP mode). */
  start(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The Slack side of deploybot. In HTTP mode Slack's requests come to `POST /slack/events`; with
 * an app-level token it connects over Socket Mode instead. Either way `/healthz`, `/readyz` and
 * `/metrics` are served on `port` (beside Socket Mode, by a small server of their own).
 */
export function createSlackApp(options: SlackAppOptions, deps: SlackAppDependencies): SlackAppHandle {
  const logger = slackLogger(deps.logger);
  const customRoutes = [...healthRoutes(deps.health), alertmanagerRoute({ token: deps.alertmanagerToken, alerts: deps.alerts, logger: deps.logger })];
  const identity = options.botIdentity ?? {};
  const common = {
    token: options.botToken,
    ...identity,
    tokenVerificationEnabled: false,
    logger,
    // Bolt hands these to its own WebClients and to the Socket Mode client's: all are measured.
    clientOptions: { fetch: measuredSlackFetch(deps.metrics), timeout: SLACK_API_TIMEOUT_MS, ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}) },
  };
  let receiver: HTTPReceiver | undefined;
  let app: BoltApp;
  let operationalServer: OperationalServer | undefined;
  if (options.appToken) {
    app = new App({ ...common, socketMode: true, appToken: options.appToken });
  } else {
    receiver = new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: "/slack/events", customRoutes, logger });
    app = new App({ ...common, receiver });
  }

  prioritizeUntilAcknowledged(app, deps.untilAnswered);
  measureSlackRequests(app, deps.metrics);
  registerCommandListeners(app, deps);
  const routes = new ListenerRoutes();
  registerActionListeners(routes, deps);
  registerViewListeners(routes, deps);
  routes.mount(app);
  app.error(async (error) => {
    deps.logger.error({ err: error }, "unhandled error in a Slack listener");
  });

  return {
    app,
    async start() {
      if (receiver) {
        const server = (await receiver.start(options.port)) as Server;
        return (server.address() as AddressInfo).port;
      }
      operationalServer = await startOperationalServer(customRoutes, options.port);
      await app.start();
      return operationalServer.port;
    },
    async stop() {
      await app.stop();
      await operationalServer?.close();
    },
  };
}
