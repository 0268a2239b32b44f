import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { startMainProcess, type MainProcess } from "../harness/mainProcess.js";
import { sendSlashCommand, type SlackTarget } from "../harness/slackRequests.js";

const DRAIN_SECONDS = 2;

let h: DeploybotHarness;
let bot: MainProcess | undefined;

beforeAll(async () => {
  h = await startHarness();
  // Only the process under test serves: the harness provides PostgreSQL, Redis, the cluster and
  // Slack. Its own bot is stopped here, so its stop() must not run a second time at the end.
  await h.bot.stop();
  h.bot.stop = () => Promise.resolve();
});
afterAll(async () => {
  bot?.cleanup();
  await h?.stop();
});

describe("stopping on SIGTERM", () => {
  it("turns unready at once, keeps answering Slack for the drain period, then exits cleanly", async () => {
    bot = await startMainProcess(h, { DEPLOYBOT_DRAIN_SECONDS: String(DRAIN_SECONDS) });
    const base = `http://127.0.0.1:${bot.port}`;
    const target: SlackTarget = { ...h.target, url: `${base}/slack/events` };
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const signalledAt = Date.now();
    bot.process.kill("SIGTERM");
    const draining = await eventually(async () => {
      const response = await fetch(`${base}/readyz`);
      return response.status === 503 ? ((await response.json()) as { status: string }) : undefined;
    }, 1000, "readiness to answer 503");
    expect(draining.status).toBe("draining");

    // Requests the Service already routed here are still answered.
    const help = await sendSlashCommand(target, { text: "help", userId: "U0ERIN", channelId: "C0DRAIN" });
    expect(help.status).toBe(200);
    expect(JSON.stringify(help.body)).toContain("/deploy create");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(bot.process.exitCode).toBeNull();

    const exit = await bot.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000);
    const messages = bot.output.map((line) => (JSON.parse(line) as { msg?: string }).msg ?? "");
    const drainAt = messages.findIndex((msg) => msg.startsWith("draining"));
    const overAt = messages.findIndex((msg) => msg.startsWith("drain over"));
    expect(drainAt).toBeGreaterThanOrEqual(0);
    expect(overAt).toBeGreaterThan(drainAt);
    expect(messages.at(-1)).toBe("stopped");
    await expect(fetch(`${base}/readyz`)).rejects.toThrow();
  }, 30_000);
});
