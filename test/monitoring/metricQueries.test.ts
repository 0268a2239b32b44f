import { describe, expect, it } from "vitest";
import {
  ISTIO_METRIC_TEMPLATES,
  type MetricId,
  metricQueryEnvName,
  renderMetricQuery,
  SERVICE_METRIC_TEMPLATES,
} from "../../src/monitoring/metricQueries.js";
import { alertThresholdEnvName, HOSTED_QUICKCHART_URL, parseMonitoringConfig } from "../../src/monitoring/monitoringConfig.js";

const ONE = { kind: "one", namespace: "ml-staging", deployment: "resnet-prod" } as const;
const ALL = { kind: "all", namespaces: ["ml-staging", "ml-production"] } as const;

describe("default metric templates", () => {
  it("select one deployment's pods in both slots and label the answer by deployment", () => {
    const query = renderMetricQuery(SERVICE_METRIC_TEMPLATES.requestsPerSecond, { scope: ONE, windowSeconds: 300 });
    expect(query).toContain('http_requests_total{namespace=~"ml-staging",pod=~"resnet-prod-(blue|green)-.+"}[300s]');
    expect(query).toContain('sum by (namespace, deployment) (label_replace(');
    expect(query).not.toMatch(/\{(namespace|deployment|window|quantile)\}/);
  });

  it("cover every deployment of the environments' namespaces in one query", () => {
    const query = renderMetricQuery(SERVICE_METRIC_TEMPLATES.errorRatePercent, { scope: ALL, windowSeconds: 300 });
    expect(query).toContain('namespace=~"(?:ml-staging|ml-production)"');
    expect(query).toContain('pod=~"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?-(blue|green)-.+"');
    expect(query).toContain('status=~"5.."');
  });

  it("read Istio's metrics in milliseconds, and the model server's seconds times 1000", () => {
    const istio = renderMetricQuery(ISTIO_METRIC_TEMPLATES.latencyMs, { scope: ONE, windowSeconds: 60, quantile: 0.99 });
    expect(istio).toMatch(/^histogram_quantile\(0\.99, /);
    expect(istio).toContain('destination_workload=~"resnet-prod-(blue|green)"');
    expect(istio).toContain("istio_request_duration_milliseconds_bucket");
    const service = renderMetricQuery(SERVICE_METRIC_TEMPLATES.latencyMs, { scope: ONE, windowSeconds: 60, quantile: 0.5 });
    expect(service).toMatch(/^1000 \* histogram_quantile\(0\.5, /);
  });

  it("read CPU and memory from cAdvisor without the pause container, GPU from DCGM, OOM kills from kube-state-metrics", () => {
    const render = (id: MetricId) => renderMetricQuery(SERVICE_METRIC_TEMPLATES[id], { scope: ONE, windowSeconds: 300 });
    expect(render("cpuCores")).toContain('container_cpu_usage_seconds_total{namespace=~"ml-staging",pod=~"resnet-prod-(blue|green)-.+",container!="",container!="POD"}');
    expect(render("memoryBytes")).toContain("container_memory_working_set_bytes{");
    expect(render("gpuUtilizationPercent")).toContain("DCGM_FI_DEV_GPU_UTIL{");
    expect(render("oomKills")).toContain('reason="OOMKilled"');
    expect(render("availableReplicas")).toContain('kube_deployment_status_replicas_available{namespace=~"ml-staging",deployment=~"resnet-prod-(blue|green)"}');
  });
});

describe("monitoring configuration", () => {
  it("has documented defaults: no Prometheus, hosted QuickChart, one-minute evaluations, five-minute `for`", () => {
    const result = parseMonitoringConfig({});
    if (!result.ok) throw new Error(result.errors.join("; "));
    expect(result.config.prometheus).toBeUndefined();
    expect(result.config.quickChart).toEqual({ baseUrl: HOSTED_QUICKCHART_URL, publiclyReachable: true, supportsShortUrls: true });
    expect(result.config.alerts.evaluationIntervalSeconds).toBe(60);
    expect(result.config.alerts.forSeconds).toBe(300);
    expect(result.config.metricTemplates).toEqual(SERVICE_METRIC_TEMPLATES);
  });

  it("takes overrides: Istio defaults, a template, a threshold, a self-hosted QuickChart Slack cannot reach", () => {
    const result = parseMonitoringConfig({
      PROMETHEUS_URL: "http://prometheus.monitoring:9090",
      DEPLOYBOT_TRAFFIC_PROVIDER: "istio",
      [metricQueryEnvName("gpuUtilizationPercent")]: 'avg by (namespace, deployment) (gpu{ns=~"{namespace}"})',
      [alertThresholdEnvName("error-rate")]: "2",
      QUICKCHART_URL: "http://quickchart.monitoring:3400/",
      DEPLOYBOT_ALERT_FOR_SECONDS: "120",
    });
    if (!result.ok) throw new Error(result.errors.join("; "));
    const { config } = result;
    expect(config.prometheus).toEqual({ url: "http://prometheus.monitoring:9090", timeoutMs: 10_000 });
    expect(config.metricTemplates.latencyMs).toBe(ISTIO_METRIC_TEMPLATES.latencyMs);
    expect(config.metricTemplates.gpuUtilizationPercent).toBe('avg by (namespace, deployment) (gpu{ns=~"{namespace}"})');
    expect(config.quickChart).toEqual({ baseUrl: "http://quickchart.monitoring:3400", publiclyReachable: false, supportsShortUrls: false });
    const errorRate = config.alerts.rules.find((r) => r.kind === "error-rate");
    expect(errorRate).toMatchObject({ fireAt: 2, resolveAt: 0.8, forSeconds: 120 });
    expect(config.alerts.rules.find((r) => r.kind === "oom-killed")?.forSeconds).toBe(0);
  });

  it("names each bad variable", () => {
    const result = parseMonitoringConfig({
      PROMETHEUS_URL: "prometheus:9090",
      DEPLOYBOT_ALERT_EVALUATION_INTERVAL_SECONDS: "2",
      [metricQueryEnvName("latencyMs")]: 'x{pod=~"{pods}"}',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join("\n")).toMatch(/PROMETHEUS_URL must be an http\(s\) URL/);
    expect(result.errors.join("\n")).toMatch(/DEPLOYBOT_ALERT_EVALUATION_INTERVAL_SECONDS must be at least 10/);
    expect(result.errors.join("\n")).toMatch(/DEPLOYBOT_METRIC_QUERY_LATENCY_MS uses unknown placeholders: \{pods\}/);
  });
});
