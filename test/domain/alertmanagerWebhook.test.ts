import { describe, expect, it } from "vitest";
import { deploymentOfAlertLabels, parseAlertmanagerWebhook } from "../../src/domain/alertmanagerWebhook.js";

const PAYLOAD = {
  version: "4",
  groupKey: '{}:{alertname="HighErrorRate"}',
  truncatedAlerts: 0,
  status: "firing",
  receiver: "deploybot",
  groupLabels: { alertname: "HighErrorRate" },
  commonLabels: { alertname: "HighErrorRate", severity: "page" },
  commonAnnotations: {},
  externalURL: "http://alertmanager.monitoring:9093",
  alerts: [
    {
      status: "firing",
      labels: { alertname: "HighErrorRate", namespace: "ml-production", pod: "resnet-prod-blue-5d9c7b-x2x4z" },
      annotations: { summary: "5xx above 5% for 10 minutes" },
      startsAt: "2026-11-20T10:00:00.000Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus/graph?g0.expr=x",
      fingerprint: "a1b2c3",
    },
    {
      status: "resolved",
      labels: { alertname: "HighErrorRate", destination_workload_namespace: "ml-staging", destination_workload: "bert-api-green" },
      annotations: {},
      startsAt: "2026-11-20T09:00:00Z",
      endsAt: "2026-11-20T09:30:00Z",
      generatorURL: "",
      fingerprint: "d4e5f6",
    },
    {
      status: "firing",
      labels: { alertname: "NodeDown", instance: "node-1" },
      annotations: {},
      startsAt: "2026-11-20T09:00:00Z",
      fingerprint: "0000",
    },
  ],
};

describe("Alertmanager webhook payloads", () => {
  it("map each alert to its deployment by pod, Istio workload or explicit label", () => {
    const result = parseAlertmanagerWebhook(PAYLOAD);
    if (!result.ok) throw new Error(result.error);
    const [first, second, third] = result.alerts;
    expect(first).toMatchObject({
      fingerprint: "a1b2c3",
      status: "firing",
      name: "HighErrorRate",
      summary: "5xx above 5% for 10 minutes",
      severity: "page",
      endsAt: undefined,
      deployment: { namespace: "ml-production", name: "resnet-prod" },
    });
    expect(second).toMatchObject({ status: "resolved", endsAt: "2026-11-20T09:30:00Z", summary: "HighErrorRate", deployment: { namespace: "ml-staging", name: "bert-api" } });
    expect(third?.deployment).toBeUndefined();
    expect(deploymentOfAlertLabels({ namespace: "ml-dev", deploybot_deployment: "llm", pod: "other-blue-1-2" })).toEqual({ namespace: "ml-dev", name: "llm" });
    expect(deploymentOfAlertLabels({ namespace: "ml-dev", deployment: "llm-green" })).toEqual({ namespace: "ml-dev", name: "llm" });
    expect(deploymentOfAlertLabels({ namespace: "ml-dev", deployment: "llm" })).toEqual({ namespace: "ml-dev", name: "llm" });
  });

  it("refuse anything else with the offending field", () => {
    expect(parseAlertmanagerWebhook({ ...PAYLOAD, version: "3" })).toMatchObject({ ok: false, error: expect.stringContaining("version") });
    expect(parseAlertmanagerWebhook("hello")).toMatchObject({ ok: false });
    expect(parseAlertmanagerWebhook({ ...PAYLOAD, alerts: [{ status: "firing" }] })).toMatchObject({ ok: false, error: expect.stringContaining("alerts.0") });
  });
});
