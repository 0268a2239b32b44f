import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS } from "../harness/deploymentFlows.js";
import { FakeSlackSocket, type EnvelopeAck } from "../harness/fakeSlackSocket.js";
import { sampleValue, scrape } from "../harness/prometheusText.js";
import { slashCommandFields, viewSubmissionPayload, type ViewSubmissionOptions } from "../harness/slackRequests.js";

/**
 * The bot over Socket Mode, as most teams first run it: no public URL, an app-level token, and
 * every request arriving as an envelope on a WebSocket that Slack's side (here a local server)
 * opened through `apps.connections.open`.
 */
const APP_TOKEN = "xapp-1-A0DEPLOYBOT-1234567890-socketmodeapptokenvalue";
const TYPED_CREDENTIAL = "planted-in-a-socket-envelope-0b7e";
const CHANNEL = "C0SOCKET";
const USER = "U0FRANK";
const NS = "ml-development";

let h: DeploybotHarness;
let socket: FakeSlackSocket;

beforeAll(async () => {
  h = await startHarness({
    env: { SLACK_APP_TOKEN: APP_TOKEN },
    slack: { extraTokens: [APP_TOKEN] },
    kube: { namespaces: [NS] },
    beforeStart: async (recorder) => {
      socket = await FakeSlackSocket.start(recorder, APP_TOKEN);
    },
  });
  h.kube.setAutoProgress({ delayMs: 20 });
});
afterAll(async () => {
  await h?.stop();
  await socket?.close();
});

function command(text: string): Promise<EnvelopeAck> {
  return socket.send("slash_commands", slashCommandFields(h.target, { text, userId: USER, channelId: CHANNEL }));
}

/** A view_submission through the socket; the acknowledgement's payload is applied to the recorder's view as Slack would. */
async function submitView(options: ViewSubmissionOptions): Promise<EnvelopeAck> {
  const payload = viewSubmissionPayload(h.target, options);
  const view = payload.view as { id: string; state: { values: Parameters<typeof h.slack.setViewState>[1] } };
  const ack = await socket.send("interactive", payload);
  if (h.slack.isViewOpen(view.id)) {
    h.slack.setViewState(view.id, view.state.values);
    const response = ack.payload && Object.keys(ack.payload).length > 0 ? ack.payload : "";
    expect(h.slack.applyViewSubmissionResponse(view.id, response)).toEqual([]);
  }
  return ack;
}

describe("Socket Mode", () => {
  it("connects with the app-level token and is greeted", () => {
    const opened = h.slack.callsTo("apps.connections.open");
    expect(opened).toHaveLength(1);
    expect(opened[0]?.ok).toBe(true);
    expect(opened[0]?.token).toBe(APP_TOKEN);
    expect(socket.openConnections()).toHaveLength(1);
  });

  it("acknowledges /deploy help with the answer in the acknowledgement", async () => {
    const ack = await command("help");
    expect(ack.ackMs).toBeLessThan(3000);
    expect(JSON.stringify(ack.payload)).toContain("/deploy create");
    expect(ack.payload).toMatchObject({ response_type: "ephemeral" });
  });

  it("opens the create modal and creates a deployment from its submission", async () => {
    const before = h.slack.callsTo("views.open").length;
    const ack = await command("create");
    expect(ack.ackMs).toBeLessThan(3000);
    const opened = await eventually(() => h.slack.callsTo("views.open")[before], 5000, "views.open");
    expect(opened.ok, opened.error).toBe(true);
    const viewId = (opened.response as unknown as { view: { id: string } }).view.id;

    const submitted = await submitView({ userId: USER, view: { id: viewId }, answers: { ...BASE_ANSWERS, name: "socket-made" } });
    expect(submitted.ackMs).toBeLessThan(3000);
    expect(submitted.payload ?? {}).toEqual({});
    expect(h.slack.isViewOpen(viewId)).toBe(false);
    await eventually(async () => (await h.bot.db.deployment.findUnique({ where: { name: "socket-made" } }))?.status === "live", 15_000, "socket-made live");
    await eventually(() => h.slack.messages(CHANNEL).find((m) => m.text?.includes("socket-made") && m.text.includes("Live")), 5000, "the live message");
  }, 30_000);

  it("answers a submission with errors inline through the acknowledgement", async () => {
    const before = h.slack.callsTo("views.open").length;
    await command("create");
    const opened = await eventually(() => h.slack.callsTo("views.open")[before], 5000, "views.open");
    const viewId = (opened.response as unknown as { view: { id: string } }).view.id;
    const ack = await submitView({ userId: USER, view: { id: viewId }, answers: { ...BASE_ANSWERS, name: "Not_A_Name" } });
    expect(ack.payload).toMatchObject({ response_action: "errors", errors: { name: expect.stringContaining("lowercase") } });
  });

  it("reconnects when Slack asks it to, and keeps answering", async () => {
    socket.requestReconnect("refresh_requested");
    await eventually(() => h.slack.callsTo("apps.connections.open").length === 2 && socket.openConnections().length === 1, 15_000, "a new connection");
    const mark = h.slack.calls.length;
    const ack = await command("list");
    expect(ack.ackMs).toBeLessThan(3000);
    // The list is answered after the acknowledgement, through the command's response_url.
    const list = await eventually(() => h.slack.calls.slice(mark).find((call) => call.method === "response_url"), 5000, "the list");
    expect(JSON.stringify(list.params)).toContain("socket-made");
  }, 20_000);

  it("reconnects when the connection drops, and keeps answering", async () => {
    socket.dropConnections();
    await eventually(() => h.slack.callsTo("apps.connections.open").length === 3 && socket.openConnections().length === 1, 15_000, "a new connection after the drop");
    const ack = await command("help");
    expect(JSON.stringify(ack.payload)).toContain("/deploy create");
  }, 20_000);

  it("serves health and metrics on its own port, and no Slack endpoint", async () => {
    const base = `http://127.0.0.1:${h.bot.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/slack/events`, { method: "POST" })).status).toBe(404);
    const { samples } = await scrape(base);
    expect(sampleValue(samples, "deploybot_slack_commands_total", { type: "help", outcome: "acked" })).toBe(2);
    expect(sampleValue(samples, "deploybot_slack_interactions_total", { type: "view_submission", outcome: "acked" })).toBe(2);
    expect(sampleValue(samples, "deploybot_operations_total", { kind: "create", outcome: "succeeded" })).toBe(1);
  });

  it("never logs the app-level token, nor a credential typed into a form, though every envelope is logged", async () => {
    // The Socket Mode client logs each envelope it receives, at debug level, as raw JSON text.
    const before = h.slack.callsTo("views.open").length;
    await command("edit socket-made");
    const opened = await eventually(() => h.slack.callsTo("views.open")[before], 5000, "views.open");
    const viewId = (opened.response as unknown as { view: { id: string } }).view.id;
    const ack = await submitView({ userId: USER, view: { id: viewId }, answers: { env: `HF_TOKEN=${TYPED_CREDENTIAL}` } });
    expect(ack.payload).toMatchObject({ response_action: "errors", errors: { env: expect.stringContaining("HF_TOKEN=secret:") } });

    const logs = h.logLines.join("\n");
    expect(logs).toContain("Received a message on the WebSocket");
    expect(logs).toContain("HF_TOKEN=[redacted]");
    expect(logs).not.toContain(TYPED_CREDENTIAL);
    expect(logs).not.toContain(APP_TOKEN);
    expect(socket.unexpected).toEqual([]);
  });
});
