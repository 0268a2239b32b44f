import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkloadStatusReader } from "../../src/cluster/workloadStatus.js";
import { defaultAlertRules, INITIAL_ALERT_STATE, nextAlertState } from "../../src/domain/alertRules.js";
import { alertMetricHistory, ALERT_METRICS, readAlertSignals } from "../../src/monitoring/alertSignals.js";
import { createDeploymentMetrics } from "../../src/monitoring/deploymentMetrics.js";
import { renderMetricQuery, SERVICE_METRIC_TEMPLATES } from "../../src/monitoring/metricQueries.js";
import { FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";
import { FakePrometheus } from "../harness/fakePrometheus.js";

const NAMESPACES = ["ml-production", "ml-staging"];
let server: FakeKubeApiServer;
let prometheus: FakePrometheus;

function putDeployment(namespace: string, name: string, slot: string, replicas: number, ready: number): void {
  const labels = { "app.kubernetes.io/managed-by": "deploybot", "deploybot.io/deployment": name, "deploybot.io/slot": slot };
  server.put({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `${name}-${slot}`, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: { "deploybot.io/deployment": name, "deploybot.io/slot": slot } },
      template: { metadata: { labels }, spec: { containers: [{ name: "model-server", image: "x", resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { "nvidia.com/gpu": "1" } } }] } },
    },
    status: { replicas, readyReplicas: ready, availableReplicas: ready },
  });
}

function putAutoscaler(namespace: string, name: string, min: number, max: number, current: number): void {
  server.put({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "deploybot", "deploybot.io/deployment": name } },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: `${name}-blue` }, minReplicas: min, maxReplicas: max },
    status: { currentReplicas: current, desiredReplicas: current },
  });
}

beforeAll(async () => {
  server = await FakeKubeApiServer.start({ namespaces: NAMESPACES });
  prometheus = await FakePrometheus.start();
  putDeployment("ml-production", "resnet-prod", "blue", 4, 4);
  putDeployment("ml-production", "resnet-prod", "green", 0, 0);
  putAutoscaler("ml-production", "resnet-prod", 2, 4, 4);
  putDeployment("ml-production", "bert-api", "blue", 2, 0);
  putDeployment("ml-staging", "stopped-one", "blue", 0, 0);
});
afterAll(async () => {
  await server.close();
  await prometheus.close();
});

const DEPLOYMENTS = [
  { namespace: "ml-production", name: "resnet-prod" },
  { namespace: "ml-production", name: "bert-api" },
  { namespace: "ml-staging", name: "stopped-one" },
];

describe("the alert evaluation's batched signals", () => {
  it("read every deployment with one Prometheus query per metric and two Kubernetes lists per namespace", async () => {
    const scope = { kind: "all", namespaces: NAMESPACES } as const;
    prometheus.setSeries(renderMetricQuery(SERVICE_METRIC_TEMPLATES.errorRatePercent, { scope, windowSeconds: 300 }), [
      { labels: { namespace: "ml-production", deployment: "resnet-prod" }, value: 7.5 },
      { labels: { namespace: "ml-production", deployment: "bert-api" }, value: 0.1 },
    ]);
    prometheus.setSeries(renderMetricQuery(SERVICE_METRIC_TEMPLATES.oomKills, { scope, windowSeconds: 600 }), [
      { labels: { namespace: "ml-production", deployment: "bert-api" }, value: 2 },
    ]);
    const metrics = createDeploymentMetrics({ prometheus: { url: prometheus.url, timeoutMs: 2000 }, metricTemplates: SERVICE_METRIC_TEMPLATES });
    const workloads = new WorkloadStatusReader(server.kubeConfig());
    const queriesBefore = prometheus.queries.length;
    server.clearRequests();

    const { signals, problems } = await readAlertSignals({ metrics, workloads }, DEPLOYMENTS);

    expect(problems).toEqual([]);
    expect(prometheus.queries.length - queriesBefore).toBe(Object.keys(ALERT_METRICS).length);
    expect(server.requests.filter((r) => r.method === "GET").length).toBe(2 * NAMESPACES.length);
    const byKind = (key: string) => Object.fromEntries((signals.get(key) ?? []).map((s) => [s.kind, s.value]));
    expect(byKind("ml-production/resnet-prod")).toEqual({
      "error-rate": 7.5,
      "p99-latency": null,
      "gpu-saturation": null,
      "crash-looping": null,
      "oom-killed": null,
      "no-ready-replicas": 4,
      "pinned-at-hpa-max": 100,
    });
    expect(byKind("ml-production/bert-api")).toMatchObject({ "error-rate": 0.1, "oom-killed": 2, "no-ready-replicas": 0, "pinned-at-hpa-max": null });
    // Stopped on purpose: no outage to report.
    expect(byKind("ml-staging/stopped-one")["no-ready-replicas"]).toBeNull();

    // The domain rules turn the samples into transitions.
    const rules = defaultAlertRules(300);
    const oom = rules.find((r) => r.kind === "oom-killed");
    if (!oom) throw new Error("no rule");
    expect(nextAlertState(oom, INITIAL_ALERT_STATE, { value: 2 }, Date.now()).transition).toBe("fired");
  });

  it("still reads readiness and the HPA from Kubernetes without Prometheus, and say why the rest is empty", async () => {
    const metrics = createDeploymentMetrics({ prometheus: undefined, metricTemplates: SERVICE_METRIC_TEMPLATES });
    const { signals, problems } = await readAlertSignals({ metrics, workloads: new WorkloadStatusReader(server.kubeConfig()) }, DEPLOYMENTS);
    expect(problems).toEqual([]);
    const resnet = signals.get("ml-production/resnet-prod") ?? [];
    expect(resnet.find((s) => s.kind === "error-rate")).toEqual({ kind: "error-rate", value: null, note: "metrics not configured (no PROMETHEUS_URL)" });
    expect(resnet.find((s) => s.kind === "pinned-at-hpa-max")?.value).toBe(100);
  });

  it("report Prometheus and Kubernetes outages as problems with null signals, not as errors", async () => {
    const metrics = createDeploymentMetrics({ prometheus: { url: "http://127.0.0.1:1", timeoutMs: 500 }, metricTemplates: SERVICE_METRIC_TEMPLATES });
    server.setUnavailable({ mode: "503" });
    try {
      const { signals, problems } = await readAlertSignals({ metrics, workloads: new WorkloadStatusReader(server.kubeConfig(), { requestTimeoutMs: 2000 }) }, DEPLOYMENTS);
      expect(problems).toHaveLength(2);
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^Prometheus unavailable/), expect.stringMatching(/^Kubernetes:/)]));
      expect((signals.get("ml-production/resnet-prod") ?? []).every((s) => s.value === null)).toBe(true);
    } finally {
      server.setUnavailable(false);
    }
  });
});

describe("the Kubernetes view without metrics", () => {
  it("gives replicas, the HPA's bounds and the pod's requests of one deployment", async () => {
    const status = await new WorkloadStatusReader(server.kubeConfig()).read({ namespace: "ml-production", name: "resnet-prod" });
    expect(status).toEqual({
      ref: { namespace: "ml-production", name: "resnet-prod" },
      desiredReplicas: 4,
      readyReplicas: 4,
      availableReplicas: 4,
      hpa: { minReplicas: 2, maxReplicas: 4, currentReplicas: 4, desiredReplicas: 4 },
      requests: { cpu: "4", memory: "16Gi", gpu: "1" },
    });
    expect(await new WorkloadStatusReader(server.kubeConfig()).read({ namespace: "ml-production", name: "absent" })).toBeUndefined();
  });

  it("gives an alert's chart the last hour of its metric", async () => {
    const metrics = createDeploymentMetrics({ prometheus: { url: prometheus.url, timeoutMs: 2000 }, metricTemplates: SERVICE_METRIC_TEMPLATES });
    const ref = { namespace: "ml-production", name: "resnet-prod" };
    prometheus.setRange(renderMetricQuery(SERVICE_METRIC_TEMPLATES.errorRatePercent, { scope: { kind: "one", namespace: ref.namespace, deployment: ref.name }, windowSeconds: 120 }), [
      { labels: {}, valueAt: () => 6 },
    ]);
    const history = await alertMetricHistory(metrics, ref, "error-rate", 1_700_000_000);
    expect(history?.kind).toBe("measured");
    if (history?.kind === "measured") expect(history.points.filter((p) => p.value === 6)).toHaveLength(61);
    expect(alertMetricHistory(metrics, ref, "no-ready-replicas", 1_700_000_000)).toBeUndefined();
  });
});
