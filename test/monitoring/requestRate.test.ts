import { DriftRepository } from "../../src/store/driftRepository.js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { KubernetesCluster } from "../../src/cluster/kubernetesClient.js";
import { DeploymentQueries } from "../../src/operations/deploymentQueries.js";
import { createRequestRateSource, requestRateQuery } from "../../src/monitoring/requestRate.js";
import { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { OperationRepository } from "../../src/store/operationRepository.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { FakePrometheus } from "../harness/fakePrometheus.js";

let prometheus: FakePrometheus;
let database: TestDatabase;

beforeAll(async () => {
  prometheus = await FakePrometheus.start();
  database = await createTestDatabase();
});
afterAll(async () => {
  await prometheus?.close();
  await database?.drop();
});

function queries(prometheusUrl?: string, provider: "service" | "istio" = "service"): DeploymentQueries {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "none", server: "http://127.0.0.1:9", skipTLSVerify: true }],
    users: [{ name: "none" }],
    contexts: [{ name: "none", cluster: "none", user: "none" }],
    currentContext: "none",
  });
  return new DeploymentQueries({
    deployments: new DeploymentRepository(database.db),
    operations: new OperationRepository(database.db),
    clusterFor: () => new KubernetesCluster(kubeConfig, { fieldManager: "test", logger: pino({ level: "silent" }) }),
    containerPort: 8080,
    drift: new DriftRepository(database.db),
    requestRate: createRequestRateSource({ trafficProvider: provider, ...(prometheusUrl ? { prometheusUrl } : {}) }),
  });
}

const target = { name: "resnet-prod", namespace: "ml-production" };

describe("the request rate shown before a delete", () => {
  it("says when no metrics source is configured", async () => {
    expect(await queries().requestRateFact(target)).toBe("Current request rate: unknown (no metrics source configured)");
  });

  it("reads both slots' traffic from the model server's metrics, or Istio's", async () => {
    prometheus.set(requestRateQuery("service", "ml-production", "resnet-prod"), 12.34);
    expect(await queries(prometheus.url).requestRateFact(target)).toBe("Current request rate: 12 req/s (clients still call it)");
    prometheus.set(requestRateQuery("istio", "ml-production", "resnet-prod"), 0.5);
    expect(await queries(prometheus.url, "istio").requestRateFact(target)).toBe("Current request rate: 0.50 req/s (clients still call it)");
    expect(requestRateQuery("istio", "ml-production", "resnet-prod")).toContain('destination_workload=~"resnet-prod-(blue|green)"');
  });

  it("says when there is no traffic, and when Prometheus cannot answer", async () => {
    prometheus.clear();
    expect(await queries(prometheus.url).requestRateFact(target)).toBe("Current request rate: no traffic in the last 5 minutes");
    prometheus.failNext(1);
    expect(await queries(prometheus.url).requestRateFact(target)).toMatch(/^Current request rate: unknown \(Prometheus/);
  });
});
