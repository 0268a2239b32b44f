import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeploybot, type Deploybot } from "../../src/deploybot.js";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, CHANNEL, deploymentNamed, openModal, operationsOf, USER, waitForStatus } from "../harness/deploymentFlows.js";
import { sampleValue, scrape } from "../harness/prometheusText.js";
import { sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

// DEPLOYBOT_ROLE: a `web` process answers Slack and records operations; only a `worker` runs them.
let h: DeploybotHarness;
let worker: Deploybot | undefined;
const workerLog: string[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { DEPLOYBOT_ROLE: "web" } });
  h.kube.setAutoProgress({ delayMs: 20 });
});
afterAll(async () => {
  await worker?.stop();
  await h?.stop();
});

async function startWorker(): Promise<Deploybot> {
  // The same install's configuration, as the worker Deployment gets it, but for its role.
  return startDeploybot(
    { ...h.config, role: "worker" },
    {
      kubeConfig: h.kube.kubeConfig(),
      logger: pino({ level: "debug" }, { write: (line: string) => void workerLog.push(line) }),
      progressUpdateIntervalMs: 50,
    },
  );
}

describe("a web process and a worker process", () => {
  it("the web process answers Slack and records the create, but runs nothing itself", async () => {
    expect(h.bot.role).toBe("web");
    expect(h.bot.worker).toBeUndefined();
    expect(h.bot.recovery).toBeUndefined();

    const view = await openModal(h, "create");
    const response = await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "split-roles" } });
    expect(response.body).toBe("");
    const deployment = await deploymentNamed(h, "split-roles");
    const [operation] = await operationsOf(h, "split-roles");
    expect(operation).toMatchObject({ kind: "create", status: "queued" });

    // Nobody takes the job: it waits in the queue, the deployment stays pending, nothing is applied.
    const job = await eventually(async () => h.bot.queue.queue.getJob(operation?.id ?? ""), 5000, "the queued job");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await job.getState()).toBe("waiting");
    expect((await deploymentNamed(h, "split-roles")).status).toBe(deployment.status);
    expect(h.kube.get("Deployment", deployment.namespace, "split-roles-blue")).toBeUndefined();
  });

  it("a worker process started beside it runs the queued create to live and reports on the same message", async () => {
    worker = await startWorker();
    expect(worker.role).toBe("worker");
    expect(worker.slack).toBeUndefined();
    await waitForStatus(h, "split-roles", "live");
    const [operation] = await operationsOf(h, "split-roles");
    expect(operation).toMatchObject({ status: "succeeded" });
    // The worker edits the message the web process posted: one thread, no second announcement.
    const posts = h.slack.calls.filter((call) => call.method === "chat.postMessage" && JSON.stringify(call.params).includes("split-roles"));
    expect(posts).toHaveLength(1);
    await eventually(
      () => h.slack.calls.some((call) => call.method === "chat.update" && call.params.ts === posts[0]?.response?.ts && JSON.stringify(call.params).includes("live")),
      10_000,
      "the message updated to live by the worker",
    );
    expect(workerLog.some((line) => line.includes('"role":"worker"') && line.includes("deploybot started"))).toBe(true);
  });

  it("day-two commands go through the web process and run on the worker", async () => {
    const response = await sendSlashCommand(h.target, { text: "scale split-roles 3", userId: USER, channelId: CHANNEL });
    expect(response.status).toBe(200);
    await eventually(async () => (await operationsOf(h, "split-roles")).find((operation) => operation.kind === "scale" && operation.status === "succeeded"), 15_000, "the scale run by the worker");
    const deployment = await waitForStatus(h, "split-roles", "live");
    expect(deployment.replicas).toBe(3);
    expect(JSON.stringify(h.kube.get("Deployment", deployment.namespace, "split-roles-blue"))).toContain('"replicas":3');
  });

  it("the worker serves its probes and metrics, and no Slack endpoint", async () => {
    if (!worker) throw new Error("no worker");
    const base = `http://127.0.0.1:${worker.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { components: Record<string, { ok: boolean }> };
    expect(health.components).toMatchObject({ postgres: { ok: true }, redis: { ok: true }, kubernetes: { ok: true } });
    const { samples } = await scrape(base);
    expect(sampleValue(samples, "deploybot_operations_total", { kind: "scale", outcome: "succeeded" })).toBe(1);
    const slackRequest = await sendSlashCommand({ ...h.target, url: `${base}/slack/events` }, { text: "help", userId: USER, channelId: CHANNEL });
    expect(slackRequest.status).toBe(404);
  });

  it("each sizes its PostgreSQL pool by its role, and a cap that starves the jobs is said at start", async () => {
    if (!worker) throw new Error("no worker");
    expect(h.bot.databaseConnections).toEqual({ shared: 10, reserved: 10 });
    expect(worker.databaseConnections).toEqual({ shared: h.config.workerConcurrency + 4, reserved: 1 });
    const cappedLog: string[] = [];
    const capped = await startDeploybot(
      { ...h.config, role: "worker", databaseMaxConnections: 6 },
      { kubeConfig: h.kube.kubeConfig(), logger: pino({ level: "info" }, { write: (line: string) => void cappedLog.push(line) }) },
    );
    try {
      expect(capped.databaseConnections).toEqual({ shared: 5, reserved: 1 });
      const warning = cappedLog.find((line) => line.includes("fewer shared connections than DEPLOYBOT_WORKER_CONCURRENCY"));
      expect(warning).toBeDefined();
      expect(cappedLog.find((line) => line.includes("deploybot started"))).toContain('"databaseConnections":{"shared":5,"reserved":1}');
    } finally {
      await capped.stop();
    }
  });
});
