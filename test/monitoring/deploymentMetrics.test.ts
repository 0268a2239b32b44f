import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeploymentMetrics, LATENCY_QUANTILES } from "../../src/monitoring/deploymentMetrics.js";
import { renderMetricQuery, SERVICE_METRIC_TEMPLATES, type MetricId } from "../../src/monitoring/metricQueries.js";
import { alignedRange, METRICS_WINDOWS } from "../../src/monitoring/metricsWindow.js";
import { FakePrometheus } from "../harness/fakePrometheus.js";

const TARGET = { namespace: "ml-staging", name: "resnet-prod" };
const ONE = { kind: "one", namespace: TARGET.namespace, deployment: TARGET.name } as const;

let prometheus: FakePrometheus;
beforeAll(async () => {
  prometheus = await FakePrometheus.start();
});
afterAll(async () => {
  await prometheus.close();
});
beforeEach(() => {
  prometheus.clear();
  prometheus.setResponseDelay(0);
});

function reader(timeoutMs = 2_000) {
  return createDeploymentMetrics({ prometheus: { url: prometheus.url, timeoutMs }, metricTemplates: SERVICE_METRIC_TEMPLATES });
}

function query(metric: MetricId, windowSeconds: number, quantile?: number, scope: Parameters<typeof renderMetricQuery>[1]["scope"] = ONE): string {
  return renderMetricQuery(SERVICE_METRIC_TEMPLATES[metric], { scope, windowSeconds, ...(quantile === undefined ? {} : { quantile }) });
}

describe("the metrics summary of one deployment", () => {
  it("reads request rate, error rate and percentiles over the window, resources now", async () => {
    const window = METRICS_WINDOWS["6h"].seconds;
    prometheus.set(query("requestsPerSecond", window), 42.5);
    prometheus.set(query("errorRatePercent", window), 1.25);
    prometheus.set(query("latencyMs", window, LATENCY_QUANTILES.p50), 35);
    prometheus.set(query("latencyMs", window, LATENCY_QUANTILES.p95), 120);
    prometheus.set(query("latencyMs", window, LATENCY_QUANTILES.p99), 480);
    prometheus.set(query("containerRestarts", window), 2);
    prometheus.set(query("cpuCores", 300), 3.2);
    prometheus.set(query("memoryBytes", 300), 6 * 1024 ** 3);
    const result = await reader().summary(TARGET, "6h");
    expect(result).toEqual({
      kind: "measured",
      summary: {
        window: "6h",
        requestsPerSecond: 42.5,
        errorRatePercent: 1.25,
        latencyMs: { p50: 35, p95: 120, p99: 480 },
        containerRestarts: 2,
        cpuCores: 3.2,
        memoryBytes: 6 * 1024 ** 3,
        // No GPU series: "no data", not an error.
        gpuUtilizationPercent: null,
        failures: [],
      },
    });
  });

  it("says metrics are not configured without PROMETHEUS_URL", async () => {
    const none = createDeploymentMetrics({ prometheus: undefined, metricTemplates: SERVICE_METRIC_TEMPLATES });
    expect(none.configured).toBe(false);
    expect(await none.summary(TARGET, "1h")).toEqual({ kind: "not-configured" });
    expect(await none.series(TARGET, "1h", 1_700_000_000)).toEqual({ kind: "not-configured" });
    expect(await none.fleet(["ml-staging"], [{ metric: "cpuCores", windowSeconds: 300 }])).toEqual({ kind: "not-configured" });
  });

  it("reports Prometheus down or too slow as unavailable, and one failed query among answers as a failure", async () => {
    const down = createDeploymentMetrics({ prometheus: { url: "http://127.0.0.1:1", timeoutMs: 500 }, metricTemplates: SERVICE_METRIC_TEMPLATES });
    expect(await down.summary(TARGET, "1h")).toMatchObject({ kind: "unavailable", reason: expect.stringContaining("did not answer") });
    prometheus.setResponseDelay(400);
    expect(await reader(100).summary(TARGET, "1h")).toMatchObject({ kind: "unavailable" });
    prometheus.setResponseDelay(0);
    prometheus.failNext(1);
    const partly = await reader().summary(TARGET, "1h");
    expect(partly.kind).toBe("measured");
    // Concurrent queries: which one meets the 503 depends on arrival order.
    if (partly.kind === "measured") expect(partly.summary.failures).toEqual([{ metric: expect.any(String), reason: expect.stringContaining("Service Unavailable") }]);
  });
});

describe("the chart series of one deployment", () => {
  it("gives one point per step of the window, with gaps where Prometheus has no sample", async () => {
    const now = 1_700_000_123;
    const range = alignedRange("1h", now);
    const rateWindow = 120;
    prometheus.setRange(query("latencyMs", rateWindow, 0.99), [{ labels: TARGET, valueAt: (t) => (t < range.start + 600 ? null : 300) }]);
    prometheus.setRange(query("requestsPerSecond", rateWindow), [{ labels: TARGET, valueAt: () => 10 }]);
    prometheus.setRange(query("availableReplicas", rateWindow), [{ labels: TARGET, valueAt: (t) => (t < range.end - 1800 ? 2 : 3) }]);
    const result = await reader().series(TARGET, "1h", now);
    if (result.kind !== "measured") throw new Error(result.kind);
    const { series } = result;
    expect(series.stepSeconds).toBe(60);
    expect(series.latencyMs.p99).toHaveLength(61);
    expect(series.latencyMs.p99[0]).toEqual({ time: range.start, value: null });
    expect(series.latencyMs.p99[10]).toEqual({ time: range.start + 600, value: 300 });
    expect(series.latencyMs.p50.every((p) => p.value === null)).toBe(true);
    expect(series.requestsPerSecond.every((p) => p.value === 10)).toBe(true);
    expect(series.availableReplicas.at(-1)).toEqual({ time: range.end, value: 3 });
    expect(series.failures).toEqual([]);
  });

  it("keeps the 7-day chart under 100 points", () => {
    for (const window of Object.values(METRICS_WINDOWS)) {
      const points = window.seconds / window.stepSeconds + 1;
      expect(points).toBeGreaterThanOrEqual(60);
      expect(points).toBeLessThanOrEqual(121);
    }
  });
});

describe("the fleet reading for the alert evaluation", () => {
  it("reads every deployment of the namespaces with one query per metric", async () => {
    const scope = { kind: "all", namespaces: ["ml-staging", "ml-production"] } as const;
    prometheus.setSeries(query("errorRatePercent", 300, undefined, scope), [
      { labels: { namespace: "ml-staging", deployment: "resnet-prod" }, value: 7.5 },
      { labels: { namespace: "ml-production", deployment: "bert-api" }, value: 0 },
      { labels: { namespace: "ml-production", deployment: "idle" }, value: null },
    ]);
    const before = prometheus.queries.length;
    const result = await reader().fleet(scope.namespaces, [
      { metric: "errorRatePercent", windowSeconds: 300 },
      { metric: "latencyMs", windowSeconds: 300, quantile: 0.99, as: "p99" },
    ]);
    expect(prometheus.queries.length - before).toBe(2);
    if (result.kind !== "measured") throw new Error(result.kind);
    expect(Object.fromEntries(result.readings.errorRatePercent?.values ?? [])).toEqual({
      "ml-staging/resnet-prod": 7.5,
      "ml-production/bert-api": 0,
      "ml-production/idle": null,
    });
    expect(result.readings.p99?.values.size).toBe(0);
  });
});
