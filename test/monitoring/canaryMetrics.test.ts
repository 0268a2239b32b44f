import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCanaryMetrics, ISTIO_QUERY_TEMPLATES, MODEL_SERVER_QUERY_TEMPLATES, renderQuery } from "../../src/monitoring/canaryMetrics.js";
import { PrometheusClient, PrometheusError } from "../../src/monitoring/prometheusClient.js";
import { FakePrometheus } from "../harness/fakePrometheus.js";

const TARGET = { namespace: "ml-staging", deployment: "resnet-prod", slot: "green", workload: "resnet-prod-green", windowSeconds: 60 };

let prometheus: FakePrometheus;
beforeAll(async () => {
  prometheus = await FakePrometheus.start();
});
afterAll(async () => {
  await prometheus.close();
});

describe("query templates", () => {
  it("fill the slot's workload, namespace and window into the default PromQL", () => {
    const istio = renderQuery(ISTIO_QUERY_TEMPLATES.errorRatePercent, TARGET);
    expect(istio).toContain('destination_workload="resnet-prod-green"');
    expect(istio).toContain('destination_workload_namespace="ml-staging"');
    expect(istio).toContain("[60s]");
    expect(istio).not.toMatch(/\{(namespace|workload|window)\}/);
    expect(renderQuery(MODEL_SERVER_QUERY_TEMPLATES.p99LatencyMs, TARGET)).toContain('pod=~"resnet-prod-green-.*"');
  });

  it("escapes quotes so a value cannot end the label matcher", () => {
    expect(renderQuery('x{a="{deployment}"}', { ...TARGET, deployment: 'a"b' })).toBe('x{a="a\\"b"}');
  });
});

describe("Prometheus client", () => {
  it("reads one value from an instant vector; no sample or NaN is null", async () => {
    const client = new PrometheusClient({ url: prometheus.url });
    prometheus.set("up", 1);
    prometheus.set("nan", null);
    expect(await client.queryValue("up")).toBe(1);
    expect(await client.queryValue("nan")).toBeNull();
    expect(await client.queryValue("absent_series")).toBeNull();
  });

  it("turns an outage into a PrometheusError with a readable message", async () => {
    const client = new PrometheusClient({ url: prometheus.url });
    prometheus.failNext(1);
    await expect(client.queryValue("up")).rejects.toThrow(PrometheusError);
    await expect(new PrometheusClient({ url: "http://127.0.0.1:1", timeoutMs: 500 }).queryValue("up")).rejects.toThrow(/did not answer/);
  });
});

describe("canary metrics", () => {
  it("are readiness-only without PROMETHEUS_URL", async () => {
    const metrics = createCanaryMetrics({ trafficProvider: "service" });
    expect(metrics.configured).toBe(false);
    expect(await metrics.measure(TARGET)).toEqual({ kind: "not-configured" });
  });

  it("measure error rate and p99 with configured templates, and report an outage as unavailable", async () => {
    const metrics = createCanaryMetrics({
      prometheusUrl: prometheus.url,
      trafficProvider: "istio",
      errorRateQuery: 'errors{w="{workload}"}',
      p99LatencyQuery: 'p99{w="{workload}"}',
    });
    prometheus.set('errors{w="resnet-prod-green"}', 4.5);
    prometheus.set('p99{w="resnet-prod-green"}', 230);
    expect(await metrics.measure(TARGET)).toEqual({ kind: "measured", errorRatePercent: 4.5, p99LatencyMs: 230 });
    prometheus.failNext(2);
    expect(await metrics.measure(TARGET)).toMatchObject({ kind: "unavailable", reason: expect.stringContaining("Service Unavailable") });
  });
});
