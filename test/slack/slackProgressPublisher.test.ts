import { WebClient } from "@slack/web-api";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queuedProgress, type OperationMessageLinks, type OperationMessageTarget } from "../../src/domain/progress.js";
import { SlackProgressPublisher } from "../../src/slack/slackProgressPublisher.js";
import { eventually } from "../harness/deploybotHarness.js";
import { startSlackRecorder, type SlackRecorder } from "../harness/slackRecorder.js";

const TOKEN = "xoxb-publisher-test";
const CHANNEL = "C0DEPLOYS";

let slack: SlackRecorder;

beforeAll(async () => {
  slack = await startSlackRecorder({ botToken: TOKEN });
});
afterAll(async () => {
  await slack?.close();
});

/** Where the message of each operation is, as the operations table keeps it. */
function memoryLinks(): OperationMessageLinks {
  const links = new Map<string, string>();
  return {
    messageTsOf: async (operationId) => links.get(operationId) ?? null,
    recordMessage: async (operationId, ts) => void links.set(operationId, ts),
  };
}

function progressOf(operationId: string, detail: string) {
  return queuedProgress(
    { id: operationId, kind: "scale", requestedBy: "U0ALICE" },
    { name: "resnet-prod", namespace: "ml-development", spec: { environment: "development", modelId: "model-001", modelVersion: "v1" } },
    detail,
  );
}

function target(operationId: string): OperationMessageTarget {
  return { operationId, channelId: CHANNEL, messageTs: null, threadTs: null };
}

describe("the progress publisher", () => {
  it("logs a coalesced update that Slack refused instead of dropping it silently", async () => {
    const lines: string[] = [];
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const links = memoryLinks();
    // A clock that stands still: however slow this machine, the second publish falls within the interval.
    const publisher = new SlackProgressPublisher(client, links, pino({ level: "warn" }, { write: (line: string) => void lines.push(line) }), 50, () => 1_000_000);
    await publisher.publish(target("op-1"), progressOf("op-1", "first"));
    const posted = { ...target("op-1"), messageTs: await links.messageTsOf("op-1") };
    slack.failNext("chat.update", { error: "internal_error" });
    // Within the interval: coalesced and sent by the timer, whose failure nobody awaits.
    await publisher.publish(posted, progressOf("op-1", "second"));
    await eventually(() => lines.some((line) => line.includes("could not update the progress message")), 5_000, "the logged failure");
    // And the state is not lost: the rollout reports it once, so the publisher tries it again.
    await eventually(() => JSON.stringify(slack.messages(CHANNEL).find((message) => message.ts === posted.messageTs)?.blocks ?? []).includes("second"), 5_000, "the update retried");
    publisher.close();
  });

  it("forgets messages idle for long (their outcome was published by another replica)", async () => {
    let now = 1_000_000;
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const publisher = new SlackProgressPublisher(client, memoryLinks(), pino({ level: "silent" }), 50, () => now);
    await publisher.publish(target("op-a"), progressOf("op-a", "running"));
    await publisher.publish(target("op-b"), progressOf("op-b", "running"));
    expect(publisher.trackedMessages).toBe(2);
    await publisher.publish(target("op-b"), progressOf("op-b", "done"), { final: true });
    expect(publisher.trackedMessages).toBe(1);
    now += 16 * 60_000;
    await publisher.publish(target("op-c"), progressOf("op-c", "running"));
    expect(publisher.trackedMessages).toBe(1);
    publisher.close();
  });
});
