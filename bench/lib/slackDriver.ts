/**
 * Slack's side of the bench: signed requests built by the test harness's helpers, with the
 * trigger ids, response URLs and views that the recorder (in the fakes process) hands out.
 */
import { Agent, request } from "node:http";
import type { ViewOutput } from "@slack/bolt";
import {
  sendSlashCommand,
  sendViewSubmission,
  slackSignatureHeaders,
  slashCommandFields,
  viewStateFrom,
  type SlackHttpResponse,
  type SlackTarget,
} from "../../test/harness/slackRequests.js";
import type { FakesCounts, OpenedView, ResponsePost, SlashFields, ViewSubmittedRequest } from "./fakesProtocol.js";

export const CHANNEL_ID = "C0BENCH";
export const USER_ID = "U0BENCH";

export class FakesClient {
  constructor(readonly controlUrl: string) {}

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.controlUrl}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async slashFields(count: number): Promise<SlashFields[]> {
    return (await this.call<SlashFields[]>("POST", "/control/slash-fields", { count, channelId: CHANNEL_ID, userId: USER_ID })).body;
  }

  async openedView(triggerId: string, timeoutMs = 10_000): Promise<OpenedView> {
    const answer = await this.call<OpenedView & { error?: string }>("GET", `/control/opened-view?triggerId=${encodeURIComponent(triggerId)}&timeoutMs=${timeoutMs}`);
    if (answer.status !== 200) throw new Error(`no modal opened: ${answer.body.error ?? answer.status}`);
    return answer.body;
  }

  async viewSubmitted(request: ViewSubmittedRequest): Promise<string[]> {
    return (await this.call<{ problems: string[] }>("POST", "/control/view-submitted", request)).body.problems;
  }

  async trigger(viewId: string): Promise<string> {
    return (await this.call<{ triggerId: string }>("POST", "/control/trigger", { viewId })).body.triggerId;
  }

  /** The bot's post to `responseUrl`, or undefined when none came within `timeoutMs`. */
  async responsePost(responseUrl: string, timeoutMs = 10_000): Promise<ResponsePost | undefined> {
    const answer = await this.call<ResponsePost>("GET", `/control/response?url=${encodeURIComponent(responseUrl)}&timeoutMs=${timeoutMs}`);
    return answer.status === 200 ? answer.body : undefined;
  }

  async replicas(namespace: string): Promise<Record<string, number | null>> {
    return (await this.call<Record<string, number | null>>("GET", `/control/replicas?namespace=${encodeURIComponent(namespace)}`)).body;
  }

  async counts(): Promise<FakesCounts> {
    return (await this.call<FakesCounts>("GET", "/control/counts")).body;
  }
}

export function targetOf(port: number, signingSecret: string): SlackTarget {
  return { url: `http://127.0.0.1:${port}/slack/events`, signingSecret };
}

export function slash(target: SlackTarget, text: string, fields: SlashFields): Promise<SlackHttpResponse> {
  return sendSlashCommand(target, { text, userId: USER_ID, channelId: CHANNEL_ID, triggerId: fields.triggerId, responseUrl: fields.responseUrl });
}

/** A slash command signed ahead of time, so that timing it measures the HTTP exchange alone. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function signSlash(target: SlackTarget, text: string, fields: SlashFields): SignedRequest {
  const body = new URLSearchParams(
    slashCommandFields(target, { text, userId: USER_ID, channelId: CHANNEL_ID, triggerId: fields.triggerId, responseUrl: fields.responseUrl }),
  ).toString();
  return {
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": String(Buffer.byteLength(body)),
      ...slackSignatureHeaders(target.signingSecret, body),
    },
  };
}

/**
 * A load client as light as Node offers: `node:http` over kept-alive connections (as an ingress
 * keeps them to the pods), so that the client's own cost, the same for the bot and the bare app,
 * weighs as little as possible in the latencies of a concurrent burst.
 */
export class KeptAliveClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(target: SlackTarget, connections: number) {
    this.url = new URL(target.url);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** POSTs a signed request; resolves with the status once the whole answer has arrived. */
  post(signed: SignedRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        { agent: this.agent, host: this.url.hostname, port: this.url.port, path: this.url.pathname, method: "POST", headers: signed.headers },
        (response) => {
          response.resume();
          response.once("end", () => resolve(response.statusCode ?? 0));
          response.once("error", reject);
        },
      );
      outgoing.once("error", reject);
      outgoing.end(signed.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A modal opened by `/deploy create`, ready to submit. */
export async function openCreateModal(target: SlackTarget, fakes: FakesClient): Promise<OpenedView> {
  const [fields] = await fakes.slashFields(1);
  if (!fields) throw new Error("the recorder issued no trigger id");
  const response = await slash(target, "create", fields);
  if (response.status !== 200) throw new Error(`/deploy create answered ${response.status}`);
  return fakes.openedView(fields.triggerId);
}

/** Submits a create modal as Slack would, and lets the recorder apply the bot's answer. */
export async function submitModal(
  target: SlackTarget,
  fakes: FakesClient,
  opened: OpenedView,
  answers: Record<string, unknown>,
): Promise<{ response: SlackHttpResponse; ackMs: number }> {
  const view = opened.view as unknown as ViewOutput;
  const values = viewStateFrom(view, answers);
  const triggerId = await fakes.trigger(opened.viewId);
  // Only the request itself is timed: what Slack would wait for before it shows an error.
  const started = performance.now();
  const response = await sendViewSubmission(target, { userId: USER_ID, view: { ...view, state: { values } }, triggerId });
  const ackMs = performance.now() - started;
  if (response.status === 200) {
    const problems = await fakes.viewSubmitted({ viewId: opened.viewId, values, body: response.body });
    if (problems.length > 0) throw new Error(`Slack would refuse the bot's answer to the submission: ${problems.join("; ")}`);
  }
  return { response, ackMs };
}

/** The same submission to the bare Bolt app, which only acknowledges it: the baseline for the bot's ack. */
export async function submitToBare(target: SlackTarget, opened: OpenedView, answers: Record<string, unknown>): Promise<number> {
  const view = opened.view as unknown as ViewOutput;
  const values = viewStateFrom(view, answers);
  const started = performance.now();
  const response = await sendViewSubmission(target, { userId: USER_ID, view: { ...view, state: { values } } });
  if (response.status !== 200) throw new Error(`the bare app answered a submission ${response.status}`);
  return performance.now() - started;
}
