import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_QUANTILES } from "../../src/monitoring/deploymentMetrics.js";
import { renderMetricQuery, SERVICE_METRIC_TEMPLATES, type MetricId } from "../../src/monitoring/metricQueries.js";
import { METRICS_WINDOWS, rateWindowSeconds } from "../../src/monitoring/metricsWindow.js";
import type { ChartSpec } from "../../src/monitoring/charts.js";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, createLiveDeployment, finishedOperation, openModal, waitForStatus } from "../harness/deploymentFlows.js";
import { FakePrometheus } from "../harness/fakePrometheus.js";
import { FakeQuickChart } from "../harness/fakeQuickChart.js";
import { sendBlockAction, sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

/**
 * `/deploy metrics` and `/deploy logs` end to end: a signed slash command, the local
 * Prometheus-compatible server and QuickChart server, the Kubernetes test API server, and what the
 * Slack recorder received. Also the pod-level cause in a failed create's message.
 */

const CHANNEL = "C0WATCH";
const ALICE = "U0ALICE";
const NS = "ml-development";
const NAME = "resnet-prod";
const SECRET_VALUE = "s3cr3t-db-pa55word";
const ONE = { kind: "one", namespace: NS, deployment: NAME } as const;

let h: DeploybotHarness;
let prometheus: FakePrometheus;
let quickChart: FakeQuickChart;

function query(metric: MetricId, windowSeconds: number, quantile?: number): string {
  return renderMetricQuery(SERVICE_METRIC_TEMPLATES[metric], { scope: ONE, windowSeconds, ...(quantile === undefined ? {} : { quantile }) });
}

beforeAll(async () => {
  prometheus = await FakePrometheus.start();
  quickChart = await FakeQuickChart.start();
  h = await startHarness({
    env: { PROMETHEUS_URL: prometheus.url, QUICKCHART_URL: quickChart.url },
    kube: { namespaces: [NS] },
  });
  h.kube.setAutoProgress({ delayMs: 20 });
  h.kube.put({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: NS }, data: { password: Buffer.from(SECRET_VALUE).toString("base64") } });
  await createLiveDeployment(h, { answers: { name: NAME }, userId: ALICE, channelId: CHANNEL });
  // Variables are set on the edit form: a secret-backed one, whose value logs must never show.
  const viewId = (await openModal(h, `edit ${NAME}`, { userId: ALICE, channelId: CHANNEL })).id;
  await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: { env: "DB_PASSWORD=secret:db/password" } });
  await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId } });
  expect((await finishedOperation(h, NAME, "edit")).status).toBe("succeeded");
});
afterAll(async () => {
  await h?.stop();
  await prometheus?.close();
  await quickChart?.close();
});

async function command(text: string) {
  const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: ALICE });
  const response = await sendSlashCommand(h.target, { text, userId: ALICE, channelId: CHANNEL, responseUrl });
  expect(response.status).toBe(200);
}

function postsSince(after: number, method = "chat.postMessage") {
  return h.slack.calls.slice(after).filter((c) => c.method === method);
}

describe("/deploy metrics", () => {
  it("posts the summary's numbers and three charts uploaded as PNGs from a self-hosted QuickChart", async () => {
    const window = METRICS_WINDOWS["6h"].seconds;
    prometheus.set(query("requestsPerSecond", window), 42.5);
    prometheus.set(query("errorRatePercent", window), 1.25);
    prometheus.set(query("latencyMs", window, LATENCY_QUANTILES.p50), 35);
    prometheus.set(query("latencyMs", window, LATENCY_QUANTILES.p95), 120);
    prometheus.set(query("latencyMs", window, LATENCY_QUANTILES.p99), 480);
    prometheus.set(query("cpuCores", 300), 3.2);
    prometheus.set(query("memoryBytes", 300), 6 * 1024 ** 3);
    const rate = rateWindowSeconds(METRICS_WINDOWS["6h"].stepSeconds);
    const labels = { namespace: NS, deployment: NAME };
    prometheus.setRange(query("latencyMs", rate, LATENCY_QUANTILES.p99), [{ labels, valueAt: () => 480 }]);
    prometheus.setRange(query("requestsPerSecond", rate), [{ labels, valueAt: () => 42.5 }]);
    prometheus.setRange(query("availableReplicas", rate), [{ labels, valueAt: () => 2 }]);
    // The deploy happened a moment ago, after the last point of a 6-hour grid (5-minute steps):
    // moved an hour back (raw: no repository rewrites history) it lands on the time axis.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await h.database.db.deployment.update({ where: { name: NAME }, data: { createdAt: hourAgo } });
    const before = h.slack.calls.length;
    quickChart.requests.length = 0;

    await command(`metrics ${NAME} 6h`);

    const post = await eventually(() => postsSince(before)[0], 10_000, "the metrics message");
    const text = JSON.stringify(post.params.blocks);
    expect(text).toContain("Metrics of resnet-prod (development), last 6h");
    expect(text).toContain("*Request rate:* 42.5 req/s");
    expect(text).toContain("p50 35 ms · p95 120 ms · p99 480 ms");
    expect(text).toContain("*Error rate:* 1.25%");
    expect(text).toContain("*CPU:* 3.20 cores · *Memory:* 6.00 GiB · *GPU:* no data");
    expect(text).toContain("*Replicas:* 2/2 ready · no autoscaler");
    expect(text).toContain("*Requests per pod:* CPU 4, memory 16Gi");

    const uploads = await eventually(() => {
      // A file counts once its bytes arrived and completeUploadExternal shared it.
      const files = h.slack.uploadedFiles().filter((f) => f.filename.endsWith("-6h.png") && f.bytes !== undefined && f.channel !== undefined);
      return files.length === 3 ? files : undefined;
    }, 10_000, "three chart uploads");
    expect(uploads.map((f) => f.filename).sort()).toEqual([`${NAME}-latency-6h.png`, `${NAME}-replicas-6h.png`, `${NAME}-traffic-6h.png`]);
    expect(uploads.every((f) => f.channel === CHANNEL && f.bytes?.subarray(1, 4).toString() === "PNG")).toBe(true);

    const charts = quickChart.requests.map((r) => r.chart as ChartSpec);
    expect(charts).toHaveLength(3);
    const byTitle = (word: string) => charts.find((c) => c.options.plugins.title.text.includes(word));
    const latency = byTitle("latency");
    expect(latency?.options.plugins.title.text).toBe("resnet-prod: latency (ms), last 6 hours");
    expect(latency?.data.datasets.map((d) => d.label)).toEqual(expect.arrayContaining(["p50 (ms)", "p95 (ms)", "p99 (ms)"]));
    expect(latency?.data.datasets.find((d) => d.label === "p99 (ms)")?.data.every((v) => v === 480)).toBe(true);
    expect(latency?.options.scales.y.title.text).toBe("latency (ms)");
    // The creation is a deploy marker on the time axis.
    expect(latency?.data.datasets.some((d) => d.label === "Deploy v2.1.0" && d.pointStyle === "triangle")).toBe(true);
    const traffic = byTitle("requests and errors");
    expect(traffic?.data.datasets.map((d) => [d.label, d.yAxisID])).toEqual(expect.arrayContaining([["requests (req/s)", "y"], ["errors (%)", "y1"]]));
    expect(traffic?.options.scales.y1?.title.text).toBe("error rate (%)");
    const replicas = byTitle("replicas");
    expect(replicas?.data.datasets.map((d) => d.label)).toContain("available replicas");
    expect(replicas?.options.plugins.subtitle.text).toBe("available replicas (no autoscaler)");
  });

  it("the Metrics button of the details panel posts the same summary", async () => {
    const before = h.slack.calls.length;
    await sendBlockAction(h.target, { userId: ALICE, channelId: CHANNEL, actionId: "deployment:metrics", value: NAME });
    const post = await eventually(() => postsSince(before)[0], 10_000, "the metrics message");
    expect(JSON.stringify(post.params.blocks)).toContain("Metrics of resnet-prod (development), last 1h");
  });

  it("refuses a window it does not know, and a deployment that does not exist", async () => {
    const refused = await sendSlashCommand(h.target, { text: `metrics ${NAME} 3w`, userId: ALICE, channelId: CHANNEL });
    expect(JSON.stringify(refused.body)).toContain("use 1h, 6h, 24h or 7d");
    const before = h.slack.calls.length;
    await command("metrics nothing-here");
    expect(JSON.stringify(await eventually(() => h.slack.calls.slice(before).find((c) => c.method === "response_url"), 5000, "a refusal"))).toContain("no deployment named");
  });
});

describe("/deploy logs", () => {
  it("posts the pods' log tails in code blocks with the secret-backed variable's value and bearer tokens redacted", async () => {
    const pods = h.kube.list("Pod", NS).map((p) => p.metadata.name).filter((n) => n.startsWith(`${NAME}-blue-`));
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      h.kube.setPodLogs(NS, pod, "model-server", ["model loaded", `connecting with password ${SECRET_VALUE}`, "Authorization: Bearer abcdefghijklmnop1234"]);
    }
    const before = h.slack.calls.length;
    await command(`logs ${NAME} --since 10m`);
    const post = await eventually(() => postsSince(before)[0], 10_000, "the log tail");
    const text = JSON.stringify(post.params.blocks);
    expect(text).toContain("model loaded");
    expect(text).toContain("```");
    expect(text).toContain("[REDACTED]");
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain("abcdefghijklmnop1234");
    expect(h.logLines.join("\n")).not.toContain(SECRET_VALUE);
  });

  it("uploads a long tail as a file, still redacted", async () => {
    const [pod] = h.kube.list("Pod", NS).map((p) => p.metadata.name).filter((n) => n.startsWith(`${NAME}-blue-`));
    if (pod === undefined) throw new Error("no pod");
    h.kube.setPodLogs(NS, pod, "model-server", Array.from({ length: 120 }, (_, i) => `request ${i} password=${SECRET_VALUE}`));
    await command(`logs ${NAME} --pod ${pod}`);
    const file = await eventually(() => h.slack.uploadedFiles().find((f) => f.filename.startsWith(`${NAME}-logs-`) && f.bytes !== undefined), 10_000, "the log file");
    const content = file.bytes?.toString("utf8") ?? "";
    expect(content).toContain("request 119 password=[REDACTED]");
    expect(content).not.toContain(SECRET_VALUE);
  });
});

const IMAGE = "ghcr.io/deploybot/model-server:1.0";

interface BrokenPods {
  name: string;
  /** The pod status Kubernetes reports for each of the deployment's pods. */
  status: Record<string, unknown>;
  events?: { reason: string; message: string }[];
  previousLog?: string[];
  /** What the failure message must quote. */
  expected: string[];
}

const waiting = (reason: string, message: string) => ({
  phase: "Pending",
  conditions: [{ type: "Ready", status: "False" }],
  containerStatuses: [{ name: "model-server", image: IMAGE, imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, message } } }],
});

const CAUSES: BrokenPods[] = [
  { name: "pull-fails", status: waiting("ImagePullBackOff", `Back-off pulling image "${IMAGE}"`), expected: ["ImagePullBackOff", IMAGE] },
  {
    name: "crash-loops",
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "False" }],
      containerStatuses: [
        {
          name: "model-server", image: IMAGE, imageID: "", ready: false, restartCount: 4,
          state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 1m20s restarting failed container" } },
          lastState: { terminated: { reason: "Error", exitCode: 3, startedAt: "2026-11-30T10:00:00Z", finishedAt: "2026-11-30T10:00:04Z" } },
        },
      ],
    },
    previousLog: ["loading weights", `db password=${SECRET_VALUE}`, "FileNotFoundError: /models/resnet.pt"],
    expected: ["CrashLoopBackOff", "exit code 3", "FileNotFoundError: /models/resnet.pt", "password=[REDACTED]"],
  },
  {
    name: "oom-killed",
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "False" }],
      containerStatuses: [
        {
          name: "model-server", image: IMAGE, imageID: "", ready: false, restartCount: 2,
          state: { waiting: { reason: "CrashLoopBackOff", message: "back-off" } },
          lastState: { terminated: { reason: "OOMKilled", exitCode: 137, startedAt: "2026-11-30T10:00:00Z", finishedAt: "2026-11-30T10:00:04Z" } },
        },
      ],
    },
    expected: ["OOMKilled", "16Gi", "Memory (GB)"],
  },
  {
    name: "unschedulable",
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/12 nodes are available: 12 Insufficient cpu." }, { type: "Ready", status: "False" }] },
    events: [{ reason: "FailedScheduling", message: "0/12 nodes are available: 12 Insufficient cpu." }],
    expected: ["0/12 nodes are available: 12 Insufficient cpu."],
  },
];

describe("Export logs on the delete confirmation", () => {
  it("posts the pods' logs, redacted, in the confirmation's thread", async () => {
    const pods = h.kube.list("Pod", NS).map((p) => p.metadata.name).filter((n) => n.startsWith(`${NAME}-blue-`));
    for (const pod of pods) h.kube.setPodLogs(NS, pod, "model-server", ["last words before the delete", `password=${SECRET_VALUE}`]);
    const before = h.slack.calls.length;
    await command(`delete ${NAME}`);
    const confirmation = await eventually(
      () => postsSince(before).find((c) => JSON.stringify(c.params.blocks ?? "").includes("deployment:export-logs")),
      5000,
      "the delete confirmation",
    );
    const ts = (confirmation.response as unknown as { ts: string }).ts;
    await sendBlockAction(h.target, { userId: ALICE, channelId: CHANNEL, actionId: "deployment:export-logs", value: NAME, message: { ts } });
    const reply = await eventually(() => h.slack.message(CHANNEL, ts)?.replies.find((r) => r.text?.startsWith("Logs of")), 5000, "the logs in the thread");
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain("last words before the delete");
    expect(text).not.toContain(SECRET_VALUE);
    const operationId = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(confirmation.params.blocks))?.[1] ?? "";
    await sendBlockAction(h.target, { userId: ALICE, channelId: CHANNEL, actionId: "operation:cancel", value: operationId, message: { ts } });
  });
});

describe("failure messages name the pod-level cause", () => {
  it.each(CAUSES)("a create whose pods fail ($name) says why, with the evidence and what to do", async (broken) => {
    h.kube.setAutoProgress(false);
    const before = h.slack.calls.length;
    const view = await openModal(h, "create", { userId: ALICE, channelId: CHANNEL });
    const submitted = await sendViewSubmission(h.target, { userId: ALICE, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: broken.name } });
    expect(submitted.body).toBe("");
    const slot = `${broken.name}-blue`;
    await eventually(() => h.kube.get("Deployment", NS, slot), 10_000, slot);
    h.kube.progressDeployment(NS, slot, 0);
    for (const pod of h.kube.list("Pod", NS).filter((p) => p.metadata.name.startsWith(`${slot}-`))) {
      h.kube.put({ ...pod, status: broken.status });
      if (broken.previousLog) h.kube.setPodLogs(NS, pod.metadata.name, "model-server", broken.previousLog, { previous: true });
      for (const [index, event] of (broken.events ?? []).entries()) {
        h.kube.put({
          apiVersion: "v1",
          kind: "Event",
          metadata: { name: `${pod.metadata.name}.${index}`, namespace: NS },
          involvedObject: { kind: "Pod", name: pod.metadata.name, namespace: NS },
          reason: event.reason,
          message: event.message,
          type: "Warning",
          lastTimestamp: new Date().toISOString(),
        });
      }
    }
    h.kube.failDeploymentProgress(NS, slot);
    await waitForStatus(h, broken.name, "failed", 20_000);
    const message = await eventually(() => {
      const texts = h.slack.calls.slice(before).filter((c) => c.method === "chat.update" || c.method === "chat.postMessage").map((c) => JSON.stringify(c.params));
      return texts.find((t) => t.includes(`Create ${broken.name}: Failed`) && t.includes("Next step:"));
    }, 10_000, "a failure message with the cause");
    for (const evidence of broken.expected) expect(message).toContain(evidence);
    expect(message).not.toContain(SECRET_VALUE);
    h.kube.setAutoProgress({ delayMs: 20 });
  });
});

describe("a model update stopped by its pods says why", () => {
  it("rolls back a rolling update whose new pods cannot pull their image, naming the cause", async () => {
    h.kube.setAutoProgress(false);
    const before = h.slack.calls.length;
    await command(`update-model ${NAME} v9.9.9`);
    const slot = `${NAME}-blue`;
    await eventually(() => JSON.stringify(h.kube.get("Deployment", NS, slot)).includes("v9.9.9"), 10_000, "the new version applied");
    for (const pod of h.kube.list("Pod", NS).filter((p) => p.metadata.name.startsWith(`${slot}-`))) {
      h.kube.put({ ...pod, status: CAUSES[0]?.status });
    }
    h.kube.failDeploymentProgress(NS, slot);
    // The rollback restores the old version in place: let the cluster make it ready again.
    await eventually(() => h.slack.calls.slice(before).some((c) => JSON.stringify(c.params).includes("Rolling back")), 10_000, "the rollback started");
    h.kube.setAutoProgress({ delayMs: 20 });
    h.kube.progressDeployment(NS, slot, 2);
    const message = await eventually(() => {
      const texts = h.slack.calls.slice(before).filter((c) => c.method === "chat.update" || c.method === "chat.postMessage").map((c) => JSON.stringify(c.params));
      return texts.find((text) => text.includes("Rolled back") && text.includes("Next step:"));
    }, 20_000, "the rollback message with the cause");
    expect(message).toContain("ImagePullBackOff");
  }, 40_000);
});

