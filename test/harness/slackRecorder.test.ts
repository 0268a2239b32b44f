import { ErrorCode, LogLevel, WebClient } from "@slack/web-api";
import type { Logger, WebAPIPlatformError } from "@slack/web-api";
import type { KnownBlock, ModalView } from "@slack/types";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackRecorder } from "./slackRecorder.js";

let recorder: SlackRecorder;
let client: WebClient;

// Refusals are the point of these tests; WebClient logging each one is noise.
const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

// retries: 0 so a refused call surfaces at once instead of after WebClient's back-off.
function clientFor(token: string | undefined, extra: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient(token, { slackApiUrl: recorder.apiUrl, retryConfig: { retries: 0 }, logger: silent, ...extra });
}

async function platformError(promise: Promise<unknown>): Promise<WebAPIPlatformError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
  return error as WebAPIPlatformError;
}

const modal = (extra: Partial<ModalView> = {}): ModalView => ({
  type: "modal",
  callback_id: "deploy",
  title: { type: "plain_text", text: "Deploy" },
  submit: { type: "plain_text", text: "Deploy" },
  blocks: [
    {
      type: "input",
      block_id: "name",
      label: { type: "plain_text", text: "Name" },
      element: { type: "plain_text_input", action_id: "value" },
    },
  ],
  ...extra,
});

beforeAll(async () => {
  recorder = await SlackRecorder.start();
  client = clientFor(recorder.botToken);
});

afterAll(async () => {
  await recorder.close();
});

beforeEach(() => {
  recorder.reset();
});

describe("auth", () => {
  it("answers auth.test with the bot identity", async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({
      ok: true,
      team_id: recorder.teamId,
      user_id: recorder.botUserId,
      bot_id: recorder.botId,
    });
    expect(recorder.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it("refuses a missing token with not_authed and a wrong one with invalid_auth", async () => {
    expect((await platformError(clientFor(undefined).auth.test())).data.error).toBe("not_authed");
    expect((await platformError(clientFor("xoxb-wrong").auth.test())).data.error).toBe("invalid_auth");
  });

  it("accepts the token as a form field too", async () => {
    const response = await fetch(`${recorder.apiUrl}auth.test`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: recorder.botToken }).toString(),
    });
    expect(await response.json()).toMatchObject({ ok: true });
    expect(recorder.callsTo("auth.test")[0]?.params).toEqual({});
  });

  it("accepts JSON bodies with a bearer token", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "from JSON" } }];
    const response = await fetch(`${recorder.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${recorder.botToken}` },
      body: JSON.stringify({ channel: "C1", text: "json", blocks }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: "C1" });
    expect(recorder.latestMessage("C1")).toMatchObject({ text: "json", blocks: [{ type: "section" }] });
  });

  it("answers unknown_method for methods it does not know", async () => {
    expect((await platformError(client.apiCall("reactions.fly", {}))).data.error).toBe("unknown_method");
  });

  it("lets a test add a method", async () => {
    recorder.handle("reactions.add", (params) => ({ ok: params["name"] === "rocket" }));
    await expect(client.reactions.add({ channel: "C1", timestamp: "1.1", name: "rocket" })).resolves.toMatchObject({ ok: true });
  });
});

describe("messages", () => {
  it("records calls with decoded blocks and issues increasing ts", async () => {
    const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }];
    const first = await client.chat.postMessage({ channel: "C123", text: "hi", blocks });
    const second = await client.chat.postMessage({ channel: "C123", text: "again" });
    expect(first.ts).toBe("1732660000.000100");
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    const call = recorder.callsTo("chat.postMessage")[0];
    expect(call?.params.blocks).toEqual(blocks);
    expect(call?.params.text).toBe("hi");
    expect(call?.token).toBe(recorder.botToken);
    expect(call?.ok).toBe(true);
  });

  it("keeps the channel state: updates applied, replies under their parent", async () => {
    const parent = await client.chat.postMessage({ channel: "C1", text: "deploying" });
    await client.chat.postMessage({ channel: "C1", text: "step 1", thread_ts: parent.ts });
    await client.chat.update({ channel: "C1", ts: String(parent.ts), text: "deployed" });
    const messages = recorder.messages("C1");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ text: "deployed", edits: 1 });
    expect(messages[0]?.replies.map((r) => r.text)).toEqual(["step 1"]);
    expect(recorder.latestMessage("C1")?.ts).toBe(parent.ts);
  });

  it("refuses chat.update of a ts never posted in that channel", async () => {
    const posted = await client.chat.postMessage({ channel: "C1", text: "x" });
    const error = await platformError(client.chat.update({ channel: "C2", ts: String(posted.ts), text: "y" }));
    expect(error.data.error).toBe("message_not_found");
  });

  it("surfaces Block Kit violations as a thrown platform error (invalid_blocks, like Slack)", async () => {
    const error = await platformError(
      client.chat.postMessage({
        channel: "C1",
        text: "fallback",
        blocks: [{ type: "header", text: { type: "plain_text", text: "x".repeat(151) } }],
      }),
    );
    expect(error.data.error).toBe("invalid_blocks");
    expect(error.data.response_metadata?.messages).toEqual([
      "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]",
    ]);
    expect(recorder.messages("C1")).toEqual([]);
    expect(recorder.callsTo("chat.postMessage")[0]).toMatchObject({ ok: false, error: "invalid_blocks" });
  });

  it("refuses a message without text or blocks", async () => {
    expect((await platformError(client.chat.postMessage({ channel: "C1", text: "" }))).data.error).toBe("no_text");
  });

  it("stores ephemeral messages apart from the channel", async () => {
    const result = await client.chat.postEphemeral({ channel: "C1", user: "U1", text: "only you" });
    expect(result.message_ts).toBeDefined();
    expect(recorder.messages("C1")).toEqual([]);
    expect(recorder.ephemerals({ user: "U1" })).toMatchObject([{ text: "only you", channel: "C1" }]);
  });

  it("serves file uploads end to end (files.uploadV2)", async () => {
    await client.filesUploadV2({ channel_id: "C1", filename: "report.txt", content: "all green", title: "Report" });
    expect(recorder.uploadedFiles()).toMatchObject([{ filename: "report.txt", title: "Report", channel: "C1" }]);
    expect(recorder.uploadedFiles()[0]?.bytes?.toString()).toBe("all green");
    expect(recorder.latestMessage("C1")?.files).toMatchObject([{ title: "Report" }]);
  });
});

describe("views and trigger ids", () => {
  it("opens a view with a fresh trigger id and keeps its state", async () => {
    const result = await client.views.open({ trigger_id: recorder.issueTriggerId(), view: modal() });
    const id = String(result.view?.id);
    expect(recorder.view(id)).toMatchObject({ id, callback_id: "deploy", state: { values: {} } });
  });

  it("surfaces invalid_arguments with Slack's json-pointer messages", async () => {
    const error = await platformError(
      client.views.open({
        trigger_id: recorder.issueTriggerId(),
        view: modal({ title: { type: "plain_text", text: "A title that is far too long" } }),
      }),
    );
    expect(error.data.error).toBe("invalid_arguments");
    expect(error.data.response_metadata?.messages).toEqual([
      "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
    ]);
  });

  it("refuses unknown, reused and expired trigger ids", async () => {
    const open = (trigger_id: string): Promise<unknown> => client.views.open({ trigger_id, view: modal() });
    expect((await platformError(open("123.456.nope"))).data.error).toBe("invalid_trigger_id");
    const trigger = recorder.issueTriggerId();
    await open(trigger);
    expect((await platformError(open(trigger))).data.error).toBe("trigger_exchanged");
    expect((await platformError(open(recorder.issueTriggerId({ ageMs: 3001 })))).data.error).toBe("expired_trigger_id");
    await expect(open(recorder.issueTriggerId({ ageMs: 2900 }))).resolves.toMatchObject({ ok: true });
  });

  it("ages trigger ids with a custom clock", async () => {
    let now = 1_000_000;
    const clocked = await SlackRecorder.start({ clock: () => now });
    try {
      const c = new WebClient(clocked.botToken, { slackApiUrl: clocked.apiUrl, retryConfig: { retries: 0 }, logger: silent });
      const trigger = clocked.issueTriggerId();
      now += 3500;
      expect((await platformError(c.views.open({ trigger_id: trigger, view: modal() }))).data.error).toBe(
        "expired_trigger_id",
      );
    } finally {
      await clocked.close();
    }
  });

  it("updates by view_id or external_id, enforcing hash", async () => {
    const opened = await client.views.open({ trigger_id: recorder.issueTriggerId(), view: modal({ external_id: "ext-1" }) });
    const id = String(opened.view?.id);
    const hash = String(opened.view?.hash);
    const updated = await client.views.update({ view_id: id, hash, view: modal({ callback_id: "step2" }) });
    expect(updated.view?.hash).not.toBe(hash);
    expect(recorder.view(id)?.callback_id).toBe("step2");

    const conflict = await platformError(client.views.update({ view_id: id, hash, view: modal() }));
    expect(conflict.data.error).toBe("hash_conflict");

    await client.views.update({ external_id: "ext-1", view: modal({ callback_id: "step3", external_id: "ext-1" }) });
    expect(recorder.view(id)?.callback_id).toBe("step3");
    expect((await platformError(client.views.update({ view_id: "V404", view: modal() }))).data.error).toBe("not_found");
  });

  it("pushes onto the stack of the view the trigger came from, at most 3 deep", async () => {
    const root = await client.views.open({ trigger_id: recorder.issueTriggerId(), view: modal() });
    const rootId = String(root.view?.id);
    const second = await client.views.push({ trigger_id: recorder.issueTriggerId({ viewId: rootId }), view: modal() });
    expect(recorder.view(String(second.view?.id))).toMatchObject({ root_view_id: rootId, previous_view_id: rootId });
    const third = await client.views.push({ trigger_id: recorder.issueTriggerId({ viewId: String(second.view?.id) }), view: modal() });
    const fourth = client.views.push({ trigger_id: recorder.issueTriggerId({ viewId: String(third.view?.id) }), view: modal() });
    expect((await platformError(fourth)).data.error).toBe("push_limit_reached");
  });
});

describe("response_url", () => {
  const post = (url: string, body: unknown): Promise<Response> =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("accepts 5 posts per URL, then answers 404 used_url", async () => {
    const url = recorder.responseUrl({ channelId: "C1", userId: "U1" });
    for (let i = 0; i < 5; i++) expect((await post(url, { text: `update ${i}` })).status).toBe(200);
    const sixth = await post(url, { text: "one too many" });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toMatchObject({ error: "used_url" });
    expect(recorder.callsTo("response_url")).toHaveLength(6);
    expect(recorder.ephemerals({ user: "U1" })).toHaveLength(5);
  });

  it("validates the message and applies in_channel / replace_original", async () => {
    const posted = await client.chat.postMessage({ channel: "C1", text: "pending" });
    const url = recorder.responseUrl({ channelId: "C1", userId: "U1", messageTs: String(posted.ts) });
    const bad = await post(url, { blocks: [{ type: "section", text: { type: "mrkdwn", text: "" } }] });
    expect(bad.status).toBe(400);
    expect(await post(url, { replace_original: true, text: "approved" })).toHaveProperty("status", 200);
    expect(recorder.message("C1", String(posted.ts))).toMatchObject({ text: "approved", edits: 1 });
    await post(url, { response_type: "in_channel", text: "for everyone" });
    expect(recorder.latestMessage("C1")?.text).toBe("for everyone");
    const call = await recorder.waitForCall("response_url", (c) => c.params.response_type === "in_channel");
    expect(call.responseUrl).toMatchObject({ channelId: "C1", messageTs: posted.ts });
  });

  it("expires after 30 minutes", async () => {
    const response = await post(recorder.responseUrl({ ageMs: 31 * 60_000 }), { text: "late" });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "expired_url" });
  });
});

describe("failure injection", () => {
  it("answers 429 with Retry-After; WebClient without retries gives up", async () => {
    recorder.failNext("chat.postMessage", { status: 429, retryAfterSec: 0 });
    await expect(client.chat.postMessage({ channel: "C1", text: "x" })).rejects.toThrow(/rate limit/i);
    await expect(client.chat.postMessage({ channel: "C1", text: "x" })).resolves.toMatchObject({ ok: true });
    expect(recorder.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
  });

  it("rate-limit errors are typed when the client rejects rate-limited calls", async () => {
    recorder.failNext("chat.postMessage", { retryAfterSec: 7 });
    const rejecting = clientFor(recorder.botToken, { rejectRateLimitedCalls: true });
    const error: unknown = await rejecting.chat.postMessage({ channel: "C1", text: "x" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
  });

  it("injects a Slack error answer", async () => {
    recorder.failNext("chat.postMessage", { error: "channel_not_found" });
    expect((await platformError(client.chat.postMessage({ channel: "C1", text: "x" }))).data.error).toBe(
      "channel_not_found",
    );
  });

  it("goes down at socket level or with 503", async () => {
    recorder.setDown(true);
    await expect(client.auth.test()).rejects.toMatchObject({ code: ErrorCode.RequestError });
    recorder.setDown(true, "503");
    await expect(client.auth.test()).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    recorder.setDown(false);
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    expect(recorder.callsTo("auth.test").map((c) => c.error ?? "ok")).toEqual(["socket_dropped", "service_unavailable", "ok"]);
  });
});

describe("waitForCall", () => {
  it("resolves with a call made later", async () => {
    const waiting = recorder.waitForCall("chat.postMessage", (c) => c.params.text === "later");
    setTimeout(() => void client.chat.postMessage({ channel: "C1", text: "later" }), 20);
    expect((await waiting).params.channel).toBe("C1");
  });

  it("rejects with the calls it saw", async () => {
    await client.auth.test();
    await expect(recorder.waitForCall("views.open", undefined, 50)).rejects.toThrow(/views\.open[\s\S]*auth\.test -> ok/);
  });
});
