import { WebClient } from "@slack/web-api";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackUserDirectory } from "../../src/slack/slackUserDirectory.js";
import { startSlackRecorder, type SlackRecorder } from "../harness/slackRecorder.js";

const TOKEN = "xoxb-directory-test";

let slack: SlackRecorder;

beforeAll(async () => {
  slack = await startSlackRecorder({ botToken: TOKEN });
});
afterAll(async () => {
  await slack?.close();
});
beforeEach(() => {
  slack.reset();
});

function directory(ttlMs = 60_000): SlackUserDirectory {
  return new SlackUserDirectory(new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }), pino({ level: "silent" }), ttlMs);
}

describe("SlackUserDirectory", () => {
  it("asks Slack once for a burst of lookups of the same person and of the groups", async () => {
    const users = directory();
    const answers = await Promise.all(Array.from({ length: 10 }, () => Promise.all([users.describe("U0ALICE"), users.groupsOf("U0ALICE")])));
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(slack.callsTo("users.info")).toHaveLength(1);
    expect(slack.callsTo("usergroups.list")).toHaveLength(1);
  });

  it("asks again once the answer is older than its time to live", async () => {
    const users = directory(50);
    await users.describe("U0ALICE");
    await new Promise((resolve) => setTimeout(resolve, 80));
    await users.describe("U0ALICE");
    expect(slack.callsTo("users.info")).toHaveLength(2);
  });

  it("does not keep a failed lookup: the next request asks Slack again", async () => {
    const users = directory();
    slack.failNext("users.info", { error: "internal_error" });
    await expect(users.describe("U0ALICE")).rejects.toThrow();
    await users.describe("U0ALICE");
    expect(slack.callsTo("users.info")).toHaveLength(2);
  });
});
