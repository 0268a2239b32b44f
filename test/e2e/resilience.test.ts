import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, deploymentNamed, finishedOperation, openModal } from "../harness/deploymentFlows.js";
import { PrivateRedis } from "../harness/privateRedis.js";
import { sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

const CHANNEL = "C0RESILIENT";
const USER = "U0CAROL";
const NS = "ml-development";

let h: DeploybotHarness;
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  h = await startHarness({ env: { REDIS_URL: redis.url }, kube: { namespaces: [NS] }, overrides: { recoveryIntervalMs: 300 } });
  h.kube.setAutoProgress({ delayMs: 20 });
});
afterAll(async () => {
  await h?.stop();
  await redis?.down();
});

async function submitCreate(name: string) {
  const view = await openModal(h, "create", { userId: USER, channelId: CHANNEL });
  return sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { ...BASE_ANSWERS, name } });
}

function messageAbout(name: string) {
  return h.slack.messages(CHANNEL).find((message) => message.text?.includes(name));
}

describe("when a dependency fails", () => {
  it("says the cluster is unreachable, retries, and goes live once it is back", async () => {
    h.kube.setUnavailable(true);
    expect((await submitCreate("while-cluster-down")).body).toBe("");
    const retrying = await eventually(() => {
      const message = messageAbout("while-cluster-down");
      return message && JSON.stringify(message.blocks).includes("Retrying in") ? message : undefined;
    }, 15_000, "a retry notice");
    expect(JSON.stringify(retrying.blocks)).toMatch(/Kubernetes API is unreachable|could not handle/);
    h.kube.setUnavailable(false);
    const done = await finishedOperation(h, "while-cluster-down", "create", 30_000);
    expect(done.status).toBe("succeeded");
    await eventually(() => messageAbout("while-cluster-down")?.text?.includes("Live"), 10_000, "the live message");
    const readiness = await fetch(`http://127.0.0.1:${h.bot.port}/readyz`);
    expect(readiness.status).toBe(200);
  }, 45_000);

  it("stays ready while the cluster is down, and shows it in /healthz", async () => {
    h.kube.setUnavailable(true);
    const response = await fetch(`http://127.0.0.1:${h.bot.port}/readyz`);
    expect(response.status).toBe(200);
    const health = await fetch(`http://127.0.0.1:${h.bot.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", components: { postgres: { ok: true }, redis: { ok: true }, kubernetes: { ok: false } } });
    h.kube.setUnavailable(false);
  });

  it("keeps a request made while Redis is down, says so, and runs it when Redis is back", async () => {
    await redis.down();
    expect((await submitCreate("while-redis-down")).body).toBe("");
    const row = await deploymentNamed(h, "while-redis-down");
    expect(row.status).toBe("pending");
    const notice = await eventually(() => {
      const message = messageAbout("while-redis-down");
      return message && JSON.stringify(message.blocks).includes("queue is back") ? message : undefined;
    }, 10_000, "the queue notice");
    expect(JSON.stringify(notice.blocks)).toContain("Redis");
    // Requests are still recorded, so the bot stays in the Service: Redis shows in /healthz only.
    const readiness = await fetch(`http://127.0.0.1:${h.bot.port}/readyz`);
    expect(readiness.status).toBe(200);
    const health = await fetch(`http://127.0.0.1:${h.bot.port}/healthz`);
    expect(await health.json()).toMatchObject({ components: { postgres: { ok: true }, redis: { ok: false } } });

    await redis.up();
    const done = await finishedOperation(h, "while-redis-down", "create", 30_000);
    expect(done.status).toBe("succeeded");
    await eventually(() => messageAbout("while-redis-down")?.text?.includes("Live"), 10_000, "the live message");
  }, 60_000);

  it("finishes a rollout while Slack is away, and shows the outcome once Slack is back", async () => {
    h.kube.setAutoProgress(false);
    expect((await submitCreate("while-slack-down")).body).toBe("");
    await eventually(() => h.kube.get("Deployment", NS, "while-slack-down-blue"), 10_000, "the Deployment");
    h.slack.setDown(true);
    h.kube.progressDeployment(NS, "while-slack-down-blue", 2);
    await eventually(async () => (await deploymentNamed(h, "while-slack-down")).status === "live", 15_000, "live while Slack is down");
    h.slack.setDown(false);
    h.kube.setAutoProgress({ delayMs: 20 });
    await eventually(() => messageAbout("while-slack-down")?.text?.includes("Live"), 20_000, "the outcome after Slack is back");
    const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: USER });
    await sendSlashCommand(h.target, { text: "list", userId: USER, channelId: CHANNEL, responseUrl });
    const list = await eventually(() => h.slack.callsTo("response_url").at(-1), 5000, "the list");
    expect(JSON.stringify(list.params)).toContain("while-slack-down");
  }, 45_000);
});
