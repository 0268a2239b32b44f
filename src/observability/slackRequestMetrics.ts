import type { App, ReceiverEvent } from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import { parseDeployCommand } from "../domain/command.js";
import type { BotMetrics, SlackRequestKind, SlackRequestOutcome } from "./metrics.js";

type StringIndexed = Record<string, unknown>;

/** What a request from Slack is, in labels with a bounded set of values. */
export function classifySlackRequest(body: StringIndexed): { kind: SlackRequestKind; type: string } {
  if (typeof body.command === "string") {
    // The sub-command, not the raw text: the text carries names and numbers (unbounded labels).
    const parsed = parseDeployCommand(typeof body.text === "string" ? body.text : "");
    return { kind: "command", type: parsed.ok ? parsed.command.verb : "invalid" };
  }
  if (body.type === "event_callback") {
    const event = body.event as StringIndexed | undefined;
    return { kind: "event", type: typeof event?.type === "string" ? event.type : "unknown" };
  }
  if (typeof body.type === "string" && /^[a-z_]{1,40}$/.test(body.type)) return { kind: "interaction", type: body.type };
  return { kind: "event", type: "unknown" };
}

/**
 * Counts every request Slack sends (HTTP or Socket Mode) and times its acknowledgement. Both
 * receivers hand each request to `app.processEvent` with the `ack` that answers Slack, so wrapping
 * that one public entry point sees them all, from the moment the receiver has verified and parsed
 * the request until the answer has gone out.
 */
export function measureSlackRequests(app: App, metrics: BotMetrics): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event: ReceiverEvent): Promise<void> => {
    const started = process.hrtime.bigint();
    const { kind, type } = classifySlackRequest(event.body);
    let ackSeconds: number | undefined;
    const ack: ReceiverEvent["ack"] = async (response) => {
      await event.ack(response);
      ackSeconds ??= Number(process.hrtime.bigint() - started) / 1e9;
    };
    let outcome: SlackRequestOutcome = "error";
    try {
      await processEvent({ ...event, ack });
      outcome = ackSeconds === undefined ? "unacked" : "acked";
    } finally {
      metrics.slackRequest(kind, type, outcome, ackSeconds);
    }
  };
}

/** The Web API method of a request URL (`https://slack.com/api/chat.update` → `chat.update`). */
function methodOf(url: string | URL): string {
  const path = (typeof url === "string" ? new URL(url, "http://localhost") : url).pathname;
  const method = path.slice(path.lastIndexOf("/") + 1);
  return /^[A-Za-z.]{1,60}$/.test(method) ? method : "unknown";
}

type FetchFunction = NonNullable<WebClientOptions["fetch"]>;

/**
 * A `fetch` for the Slack WebClient (its documented transport hook) that counts failed calls by
 * Slack's error code and rate-limited ones. It sees every call — retries included, which the
 * client's own `rate_limited` event and thrown errors would not — for the bot's client, Bolt's
 * clients and the Socket Mode client alike.
 */
export function measuredSlackFetch(metrics: BotMetrics, base: typeof fetch = globalThis.fetch): FetchFunction {
  return async (url, init) => {
    const method = methodOf(url);
    let response: Response;
    try {
      response = await base(url, init);
    } catch (error) {
      metrics.slackApiError(method, "request_failed");
      throw error;
    }
    if (response.status === 429) metrics.slackApiRateLimited(method);
    else if (!response.ok) metrics.slackApiError(method, `http_${response.status}`);
    else if ((response.headers.get("content-type") ?? "").includes("json")) {
      // Read a copy so the client still gets the untouched body.
      response
        .clone()
        .json()
        .then(
          (body: unknown) => {
            const answer = body as { ok?: unknown; error?: unknown } | null;
            if (answer && answer.ok === false) metrics.slackApiError(method, typeof answer.error === "string" && /^[a-z_]{1,60}$/.test(answer.error) ? answer.error : "unknown");
          },
          () => undefined,
        );
    }
    return response;
  };
}
