import type { AddressInfo } from "node:net";
import { App, HTTPReceiver, LogLevel, verifySlackRequest } from "@slack/bolt";
import type { BlockButtonAction, ViewOutput } from "@slack/bolt";
import type { KnownBlock, ModalView } from "@slack/types";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackRecorder } from "./slackRecorder.js";
import {
  sendBlockAction,
  sendSlashCommand,
  sendViewSubmission,
  signSlackRequest,
  slackSignatureHeaders,
  viewStateFrom,
} from "./slackRequests.js";
import type { SlackTarget } from "./slackRequests.js";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

describe("request signing", () => {
  const body = "token=x&team_id=T1&command=%2Fdeploy&text=sentiment-v2";

  const verify = (headers: Record<string, string>): void =>
    verifySlackRequest({
      signingSecret: SIGNING_SECRET,
      body,
      headers: {
        "x-slack-signature": headers["x-slack-signature"] ?? "",
        "x-slack-request-timestamp": Number(headers["x-slack-request-timestamp"]),
      },
    });

  it("produces signatures Bolt's own verifier accepts", () => {
    expect(() => verify(slackSignatureHeaders(SIGNING_SECRET, body))).not.toThrow();
  });

  it("matches Slack's documented example", () => {
    // From Slack's "Verifying requests from Slack" guide.
    const example =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(signSlackRequest(SIGNING_SECRET, example, 1531420618)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("forges bad, missing and stale signatures that Bolt refuses", () => {
    expect(() => verify(slackSignatureHeaders(SIGNING_SECRET, body, { signature: "bad" }))).toThrow(/signature mismatch/);
    expect(() => verify(slackSignatureHeaders(SIGNING_SECRET, body, { signature: "missing" }))).toThrow();
    expect(() => verify(slackSignatureHeaders(SIGNING_SECRET, body, { timestampOffsetSec: -301 }))).toThrow(/stale/);
  });
});

describe("viewStateFrom", () => {
  const opt = (value: string): { text: { type: "plain_text"; text: string }; value: string } => ({
    text: { type: "plain_text", text: value.toUpperCase() },
    value,
  });
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: "Deploy" } },
    {
      type: "input",
      block_id: "name",
      label: { type: "plain_text", text: "Name" },
      element: { type: "plain_text_input", action_id: "v", initial_value: "sentiment" },
    },
    {
      type: "input",
      block_id: "notes",
      optional: true,
      label: { type: "plain_text", text: "Notes" },
      element: { type: "plain_text_input", action_id: "v" },
    },
    {
      type: "input",
      block_id: "replicas",
      label: { type: "plain_text", text: "Replicas" },
      element: { type: "number_input", action_id: "v", is_decimal_allowed: false },
    },
    {
      type: "input",
      block_id: "env",
      label: { type: "plain_text", text: "Env" },
      element: { type: "static_select", action_id: "v", options: [opt("staging"), opt("production")] },
    },
    {
      type: "input",
      block_id: "flags",
      label: { type: "plain_text", text: "Flags" },
      element: { type: "checkboxes", action_id: "v", options: [opt("canary"), opt("gpu")] },
    },
    {
      type: "input",
      block_id: "region",
      label: { type: "plain_text", text: "Region" },
      element: { type: "radio_buttons", action_id: "v", options: [opt("eu"), opt("us")], initial_option: opt("eu") },
    },
    {
      type: "input",
      block_id: "teams",
      label: { type: "plain_text", text: "Teams" },
      element: { type: "multi_static_select", action_id: "v", options: [opt("ml"), opt("ops")] },
    },
  ];

  it("builds Slack-shaped values per element type", () => {
    const values = viewStateFrom({ blocks }, { replicas: 3, env: "production", flags: ["gpu"], teams: ["ml", "ops"] });
    expect(values).toEqual({
      name: { v: { type: "plain_text_input", value: "sentiment" } },
      notes: { v: { type: "plain_text_input", value: null } },
      replicas: { v: { type: "number_input", value: "3" } },
      env: { v: { type: "static_select", selected_option: { text: { type: "plain_text", text: "PRODUCTION", emoji: true }, value: "production" } } },
      flags: { v: { type: "checkboxes", selected_options: [{ text: { type: "plain_text", text: "GPU", emoji: true }, value: "gpu" }] } },
      region: { v: { type: "radio_buttons", selected_option: { text: { type: "plain_text", text: "EU", emoji: true }, value: "eu" } } },
      teams: {
        v: {
          type: "multi_static_select",
          selected_options: [
            { text: { type: "plain_text", text: "ML", emoji: true }, value: "ml" },
            { text: { type: "plain_text", text: "OPS", emoji: true }, value: "ops" },
          ],
        },
      },
    });
  });

  it("clears a prefilled input with null", () => {
    expect(viewStateFrom({ blocks }, { name: null }).name).toEqual({ v: { type: "plain_text_input", value: null } });
  });

  it("refuses answers Slack could never send", () => {
    expect(() => viewStateFrom({ blocks }, { env: "moon" })).toThrow(/not one the element offers/);
    expect(() => viewStateFrom({ blocks }, { nope: "x" })).toThrow(/no stateful element/);
  });
});

describe("driving a real Bolt app through its HTTP endpoint", () => {
  let recorder: SlackRecorder;
  let app: App;
  let target: SlackTarget;
  const seen: string[] = [];

  const deployModal: ModalView = {
    type: "modal",
    callback_id: "deploy_modal",
    private_metadata: "C100",
    title: { type: "plain_text", text: "Deploy a model" },
    submit: { type: "plain_text", text: "Deploy" },
    blocks: [
      {
        type: "input",
        block_id: "replicas",
        label: { type: "plain_text", text: "Replicas" },
        element: { type: "number_input", action_id: "value", is_decimal_allowed: false, min_value: "1", max_value: "10" },
      },
    ],
  };

  beforeAll(async () => {
    recorder = await SlackRecorder.start();
    const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR });
    app = new App({
      token: recorder.botToken,
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: recorder.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command("/deploy", async ({ ack, body, client, respond }) => {
      seen.push(`command:${body.text}`);
      await ack();
      if (body.text === "modal") await client.views.open({ trigger_id: body.trigger_id, view: deployModal });
      else await respond({ response_type: "in_channel", text: `Deploying ${body.text}` });
    });
    app.action<BlockButtonAction>("approve", async ({ ack, action, respond }) => {
      seen.push(`approve:${action.value}`);
      await ack();
      await respond({ replace_original: true, text: `Approved ${action.value}` });
    });
    app.view("deploy_modal", async ({ ack, view }) => {
      const replicas = view.state.values["replicas"]?.["value"]?.value;
      seen.push(`submit:${replicas}`);
      if (Number(replicas) > 5) {
        await ack({ response_action: "errors", errors: { replicas: "At most 5 without approval" } });
      } else if (replicas === "4") {
        // Deliberately broken answers, to check the harness catches what Slack would refuse.
        await ack({ response_action: "errors", errors: { replica_count: "wrong block_id" } });
      } else if (replicas === "3") {
        await ack({ response_action: "update", view: { ...deployModal, title: { type: "plain_text", text: "A title that is far too long" } } });
      } else {
        await ack();
      }
    });
    const server = await app.start({ port: 0, host: "127.0.0.1" });
    target = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      recorder,
    };
  });

  afterAll(async () => {
    await app.stop();
    await recorder.close();
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it("a slash command reaches the listener and its response_url lands in the channel", async () => {
    const response = await sendSlashCommand(target, { text: "sentiment-v2", userId: "U1", channelId: "C100" });
    expect(response.status).toBe(200);
    await recorder.waitForCall("response_url");
    expect(seen).toEqual(["command:sentiment-v2"]);
    expect(recorder.latestMessage("C100")?.text).toBe("Deploying sentiment-v2");
  });

  it("a fresh trigger id opens the modal, and a submission carries the filled state", async () => {
    await sendSlashCommand(target, { text: "modal", userId: "U1", channelId: "C100" });
    const open = await recorder.waitForCall("views.open");
    expect(open.ok).toBe(true);
    const viewId = String((open.response?.["view"] as ViewOutput).id);

    const tooMany = await sendViewSubmission(target, { userId: "U1", view: { id: viewId }, answers: { replicas: 8 } });
    expect(tooMany.body).toEqual({ response_action: "errors", errors: { replicas: "At most 5 without approval" } });

    expect(recorder.isViewOpen(viewId)).toBe(true);

    const fine = await sendViewSubmission(target, { userId: "U1", view: { id: viewId }, answers: { replicas: 2 } });
    expect(fine.status).toBe(200);
    expect(seen).toEqual(["command:modal", "submit:8", "submit:2"]);
    expect(recorder.isViewOpen(viewId)).toBe(false);
    await expect(sendViewSubmission(target, { userId: "U1", view: { id: viewId }, answers: { replicas: 2 } })).rejects.toThrow(
      /already closed/,
    );
  });

  it("a view_submission answer Slack would refuse fails the test", async () => {
    const open = async (): Promise<string> => {
      const mark = recorder.calls.length;
      await sendSlashCommand(target, { text: "modal", userId: "U1", channelId: "C100" });
      const call = await recorder.waitForCall("views.open", (c) => c.seq >= mark && c.ok);
      return String((call.response?.["view"] as ViewOutput).id);
    };
    await expect(sendViewSubmission(target, { userId: "U1", view: { id: await open() }, answers: { replicas: 4 } })).rejects.toThrow(
      /no input block with block_id replica_count/,
    );
    await expect(sendViewSubmission(target, { userId: "U1", view: { id: await open() }, answers: { replicas: 3 } })).rejects.toThrow(
      /must be less than 25 characters \[json-pointer:\/view\/title\/text\]/,
    );
  });

  it("a click on a posted button carries the button's own value and block_id", async () => {
    const posted = await app.client.chat.postMessage({
      channel: "C100",
      text: "Approve?",
      blocks: [
        {
          type: "actions",
          block_id: "decision",
          elements: [{ type: "button", action_id: "approve", value: "dep-42", text: { type: "plain_text", text: "Approve" } }],
        },
      ],
    });
    const ts = String(posted.ts);
    const click = (actionId: string): ReturnType<typeof sendBlockAction> =>
      sendBlockAction(target, { userId: "U2", channelId: "C100", actionId, message: { ts } });
    await expect(click("reject")).rejects.toThrow(/no element with action_id "reject".*decision\/approve/);

    const response = await click("approve");
    expect(response.status).toBe(200);
    await recorder.waitForCall("response_url", (c) => c.params.replace_original === true);
    expect(seen).toEqual(["approve:dep-42"]);
    expect(recorder.message("C100", ts)).toMatchObject({ text: "Approved dep-42", edits: 1 });
    // The replacement has no buttons left, so a second click is impossible.
    await expect(click("approve")).rejects.toThrow(/the message has none/);
  });

  it("answers 401 and runs nothing for bad, missing or stale signatures", async () => {
    const command = { text: "should-not-run", userId: "U1", channelId: "C100" };
    const before = recorder.calls.length;
    for (const signing of [{ signature: "bad" as const }, { signature: "missing" as const }, { timestampOffsetSec: -301 }]) {
      const response = await sendSlashCommand(target, command, signing);
      expect(response.status).toBe(401);
    }
    expect(seen).toEqual([]);
    expect(recorder.calls.slice(before).filter((c) => c.method !== "auth.test")).toEqual([]);
  });
});
