import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAlertRules } from "../../src/domain/alertRules.js";
import { ChartRenderer, SLACK_IMAGE_URL_LIMIT } from "../../src/monitoring/chartRenderer.js";
import { alertChart, latencyChart, replicasChart, SERIES_COLOURS, timeLabel, trafficChart, type ChartMarker, type ChartSpec } from "../../src/monitoring/charts.js";
import { FakeQuickChart } from "../harness/fakeQuickChart.js";
import { sampleDeploymentSeries } from "../harness/sampleDeploymentSeries.js";

const { series, deployAt, rollbackAt } = sampleDeploymentSeries();
const markers: ChartMarker[] = [
  { kind: "deploy", time: deployAt, label: "v2.2.0" },
  { kind: "rollback", time: rollbackAt + 20, label: "v2.1.0" },
];

function labelsOf(spec: ChartSpec): string[] {
  return spec.data.datasets.map((d) => d.label);
}

describe("chart configurations", () => {
  it("latency: p50/p95/p99 in ms, titled, one colour per series, readable UTC times", () => {
    const spec = latencyChart({ deployment: "resnet-prod", series, markers });
    expect(spec.options.plugins.title.text).toBe("resnet-prod: latency (ms), last hour");
    expect(labelsOf(spec)).toEqual(["p50 (ms)", "p95 (ms)", "p99 (ms)", "Deploy v2.2.0", "Rollback v2.1.0"]);
    expect(spec.options.scales.y.title.text).toBe("latency (ms)");
    expect(spec.options.scales.x.title.text).toBe("time (UTC)");
    expect(spec.data.labels).toHaveLength(61);
    expect(spec.data.labels[0]).toBe("14:00");
    expect(spec.data.labels.at(-1)).toBe("15:00");
    const colours = spec.data.datasets.map((d) => d.borderColor);
    expect(new Set(colours).size).toBe(colours.length);
    // A missing sample stays a gap.
    expect(spec.data.datasets[2]?.data[7]).toBeNull();
    expect(spec.data.datasets[2]?.spanGaps).toBe(false);
  });

  it("marks deploys and rollbacks on the time axis at the nearest step", () => {
    const spec = latencyChart({ deployment: "resnet-prod", series, markers });
    const deploy = spec.data.datasets.find((d) => d.label.startsWith("Deploy"));
    const rollback = spec.data.datasets.find((d) => d.label.startsWith("Rollback"));
    expect(deploy?.showLine).toBe(false);
    expect(deploy?.data.flatMap((v, i) => (v === null ? [] : [i]))).toEqual([20]);
    expect(rollback?.data.flatMap((v, i) => (v === null ? [] : [i]))).toEqual([35]);
    expect(deploy?.data[20]).toBe(0);
    expect(deploy?.borderColor).toBe(SERIES_COLOURS.deploy);
    // A marker outside the window is left out rather than pinned to an edge.
    const outside = latencyChart({ deployment: "x", series, markers: [{ kind: "deploy", time: deployAt - 86_400, label: "v1" }] });
    expect(labelsOf(outside)).toEqual(["p50 (ms)", "p95 (ms)", "p99 (ms)"]);
  });

  it("traffic: request rate on the left in req/s, error rate on the right in %", () => {
    const spec = trafficChart({ deployment: "resnet-prod", series });
    expect(labelsOf(spec)).toEqual(["requests (req/s)", "errors (%)"]);
    expect(spec.data.datasets[1]?.yAxisID).toBe("y1");
    expect(spec.options.scales.y.title.text).toBe("requests (req/s)");
    expect(spec.options.scales.y1).toMatchObject({ position: "right", title: { text: "error rate (%)" } });
  });

  it("replicas: a stepped line against the HPA's min and max", () => {
    const spec = replicasChart({ deployment: "resnet-prod", series, hpa: { minReplicas: 2, maxReplicas: 4 } });
    expect(labelsOf(spec)).toEqual(["available replicas", "HPA max (4)", "HPA min (2)"]);
    expect(spec.data.datasets[0]?.stepped).toBe(true);
    expect(new Set(spec.data.datasets[1]?.data)).toEqual(new Set([4]));
    expect(spec.options.scales.y.ticks?.precision).toBe(0);
    expect(labelsOf(replicasChart({ deployment: "x", series }))).toEqual(["available replicas"]);
  });

  it("alert: the metric's last hour with the threshold in its unit", () => {
    const rule = defaultAlertRules(300).find((r) => r.kind === "p99-latency");
    if (!rule) throw new Error("no rule");
    const spec = alertChart({ deployment: "resnet-prod", rule, points: series.latencyMs.p99 });
    expect(spec.options.plugins.title.text).toBe("resnet-prod: p99 latency (ms), last hour");
    expect(labelsOf(spec)).toEqual(["p99 latency (ms)", "threshold (1000 ms)"]);
    expect(spec.options.plugins.subtitle.text).toBe("alert fires at 1000 ms held for 5 min");
  });

  it("labels a week by weekday and time", () => {
    expect(timeLabel(Date.UTC(2026, 10, 17, 9, 0) / 1000, "7d")).toBe("Tue 09:00");
    expect(timeLabel(Date.UTC(2026, 10, 17, 9, 5) / 1000, "6h")).toBe("09:05");
  });
});

describe("chart rendering through QuickChart", () => {
  let quickChart: FakeQuickChart;
  beforeAll(async () => {
    quickChart = await FakeQuickChart.start();
  });
  afterAll(async () => {
    await quickChart.close();
  });

  it("uploads a PNG from a self-hosted QuickChart Slack cannot reach, sending the Chart.js v4 config", async () => {
    const renderer = new ChartRenderer({ baseUrl: quickChart.url, publiclyReachable: false, supportsShortUrls: false, width: 640, height: 320 });
    const spec = latencyChart({ deployment: "resnet-prod", series, markers });
    const rendered = await renderer.render(spec, "resnet-prod-latency-1h");
    if (rendered.kind !== "png") throw new Error(rendered.kind === "failed" ? rendered.reason : rendered.kind);
    expect(rendered.fileName).toBe("resnet-prod-latency-1h.png");
    expect(rendered.png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR: width and height at device pixel ratio 2.
    expect(rendered.png.readUInt32BE(16)).toBe(1280);
    expect(rendered.png.readUInt32BE(20)).toBe(640);
    expect(inflateSync(rendered.png.subarray(41, rendered.png.length - 16)).length).toBe(640 * (1 + 1280 * 3));
    const request = quickChart.requests.at(-1);
    expect(request).toMatchObject({ version: "4", width: 640, height: 320, devicePixelRatio: 2, backgroundColor: "#ffffff" });
    expect(request?.chart).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(rendered.altText).toMatch(/^resnet-prod: latency \(ms\), last hour\. p50 \(ms\): latest \d/);
  });

  it("gives the hosted service's URL for an image block when it fits Slack's 3000 characters", async () => {
    const renderer = new ChartRenderer({ baseUrl: "https://quickchart.io", publiclyReachable: true, supportsShortUrls: true });
    const small = replicasChart({ deployment: "resnet-prod", series: { ...series, availableReplicas: series.availableReplicas.slice(0, 5), requestsPerSecond: series.requestsPerSecond.slice(0, 5) } });
    const rendered = await renderer.render(small, "small");
    expect(rendered.kind).toBe("image-url");
    if (rendered.kind !== "image-url") return;
    expect(rendered.url.length).toBeLessThanOrEqual(SLACK_IMAGE_URL_LIMIT);
    const url = new URL(rendered.url);
    expect(url.origin + url.pathname).toBe("https://quickchart.io/chart");
    expect(url.searchParams.get("v")).toBe("4");
    expect(JSON.parse(url.searchParams.get("c") ?? "")).toEqual(JSON.parse(JSON.stringify(small)));
  });

  it("falls back to a PNG when a reachable self-hosted server's URL is too long (no short URLs there)", async () => {
    const renderer = new ChartRenderer({ baseUrl: quickChart.url, publiclyReachable: true, supportsShortUrls: false });
    const rendered = await renderer.render(latencyChart({ deployment: "resnet-prod", series }), "long");
    expect(rendered.kind).toBe("png");
  });

  it("reports a failed render instead of throwing", async () => {
    const renderer = new ChartRenderer({ baseUrl: quickChart.url, publiclyReachable: false, supportsShortUrls: false });
    quickChart.failNext(1);
    const rendered = await renderer.render(trafficChart({ deployment: "resnet-prod", series }), "t");
    expect(rendered).toMatchObject({ kind: "failed", reason: expect.stringContaining("status code 500") });
    const unreachable = new ChartRenderer({ baseUrl: "http://127.0.0.1:1", publiclyReachable: false, supportsShortUrls: false, timeoutMs: 2000 });
    expect((await unreachable.render(trafficChart({ deployment: "x", series }), "t")).kind).toBe("failed");
  });
});
