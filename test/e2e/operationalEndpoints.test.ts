import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { createLiveDeployment, openModal } from "../harness/deploymentFlows.js";
import { PrivateRedis } from "../harness/privateRedis.js";
import { sampleValue, scrape } from "../harness/prometheusText.js";
import { sendSlashCommand } from "../harness/slackRequests.js";

const CHANNEL = "C0METRICS";
const USER = "U0DAVE";
const NS = "ml-development";

let h: DeploybotHarness;
let redis: PrivateRedis;
let base: string;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  h = await startHarness({ env: { REDIS_URL: redis.url }, kube: { namespaces: [NS] } });
  h.kube.setAutoProgress({ delayMs: 20 });
  base = `http://127.0.0.1:${h.bot.port}`;
});
afterAll(async () => {
  await h?.stop();
  await redis?.down();
});

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("readiness and health", () => {
  it("is ready when PostgreSQL answers, with details in /healthz", async () => {
    expect(await getJson("/readyz")).toEqual({ status: 200, body: { status: "ready", components: { postgres: { ok: true } } } });
    expect(await getJson("/healthz")).toMatchObject({
      status: 200,
      body: { status: "ok", draining: false, components: { postgres: { ok: true }, redis: { ok: true }, kubernetes: { ok: true } } },
    });
  });

  it("stays ready while Redis is down: Redis shows in /healthz and in the metrics instead", async () => {
    await redis.down();
    try {
      expect((await getJson("/readyz")).status).toBe(200);
      const health = await getJson("/healthz");
      expect(health).toMatchObject({ status: 200, body: { components: { postgres: { ok: true }, redis: { ok: false } } } });
      const { samples } = await scrape(base);
      expect(sampleValue(samples, "deploybot_dependency_up", { dependency: "redis" })).toBe(0);
      expect(sampleValue(samples, "deploybot_dependency_up", { dependency: "postgres" })).toBe(1);
      // No made-up queue depth while the queue cannot be read.
      expect(samples.filter((sample) => sample.name.startsWith("deploybot_queue_"))).toEqual([]);
      // A command is still answered.
      expect((await sendSlashCommand(h.target, { text: "help", userId: USER, channelId: CHANNEL })).status).toBe(200);
    } finally {
      await redis.up();
    }
  }, 30_000);

  it("answers 503 with the reason when draining, while still serving Slack", async () => {
    h.bot.beginDrain();
    expect(await getJson("/readyz")).toMatchObject({ status: 503, body: { status: "draining" } });
    expect(await getJson("/healthz")).toMatchObject({ status: 200, body: { draining: true } });
    expect((await sendSlashCommand(h.target, { text: "help", userId: USER, channelId: CHANNEL })).status).toBe(200);
  });
});

describe("/metrics", () => {
  it("counts commands, interactions, acknowledgements, operations, the queue and Slack API trouble", async () => {
    h.slack.failNext("chat.postMessage", { retryAfterSec: 0 });
    await sendSlashCommand(h.target, { text: "help", userId: USER, channelId: CHANNEL });
    await sendSlashCommand(h.target, { text: "scale resnet-prod lots", userId: USER, channelId: CHANNEL });
    await createLiveDeployment(h, { answers: { name: "metered" }, userId: USER, channelId: CHANNEL });
    // Slack refuses one modal: the failed call is counted under its method and Slack's error.
    h.slack.failNext("views.open", { error: "expired_trigger_id" });
    await sendSlashCommand(h.target, { text: "create", userId: USER, channelId: CHANNEL });
    await eventually(() => h.slack.callsTo("views.open").some((call) => call.error === "expired_trigger_id"), 5000, "the refused views.open");

    const { status, contentType, samples } = await eventually(async () => {
      const scraped = await scrape(base);
      const counted = sampleValue(scraped.samples, "deploybot_operations_total", { kind: "create", outcome: "succeeded" }) === 1;
      return counted && sampleValue(scraped.samples, "deploybot_queue_jobs", { state: "active" }) === 0 ? scraped : undefined;
    }, 10_000, "the create counted and its job finished");
    expect(status).toBe(200);
    expect(contentType).toContain("text/plain");

    expect(sampleValue(samples, "deploybot_slack_commands_total", { type: "help", outcome: "acked" })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, "deploybot_slack_commands_total", { type: "invalid", outcome: "acked" })).toBe(1);
    expect(sampleValue(samples, "deploybot_slack_commands_total", { type: "create", outcome: "acked" })).toBe(2);
    expect(sampleValue(samples, "deploybot_slack_interactions_total", { type: "view_submission", outcome: "acked" })).toBe(1);

    const acked = sampleValue(samples, "deploybot_slack_ack_seconds_count", { kind: "command" }) ?? 0;
    expect(acked).toBeGreaterThanOrEqual(5);
    // Every acknowledgement came well inside Slack's 3 s.
    expect(sampleValue(samples, "deploybot_slack_ack_seconds_bucket", { kind: "command", le: "3" })).toBe(acked);
    expect(sampleValue(samples, "deploybot_slack_ack_seconds_count", { kind: "interaction" })).toBeGreaterThanOrEqual(1);

    expect(sampleValue(samples, "deploybot_queue_jobs", { state: "waiting" })).toBe(0);
    expect(sampleValue(samples, "deploybot_queue_jobs", { state: "active" })).toBe(0);
    expect(sampleValue(samples, "deploybot_queue_oldest_waiting_seconds")).toBe(0);
    expect(sampleValue(samples, "deploybot_dependency_up", { dependency: "kubernetes" })).toBe(1);

    expect(sampleValue(samples, "deploybot_slack_api_rate_limited_total", { method: "chat.postMessage" })).toBe(1);
    expect(sampleValue(samples, "deploybot_slack_api_errors_total", { method: "views.open", error: "expired_trigger_id" })).toBe(1);
    // The process metrics come along, under the bot's prefix.
    expect(sampleValue(samples, "deploybot_process_resident_memory_bytes")).toBeGreaterThan(0);
  }, 30_000);

  it("is served beside the Slack endpoint, not instead of it", async () => {
    await openModal(h, "create", { userId: USER, channelId: CHANNEL });
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
  });
});
