import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeploybot } from "../../src/deploybot.js";
import { renderMetricQuery, SERVICE_METRIC_TEMPLATES } from "../../src/monitoring/metricQueries.js";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { createLiveDeployment, operationsOf } from "../harness/deploymentFlows.js";
import { FakePrometheus } from "../harness/fakePrometheus.js";
import { FakeQuickChart } from "../harness/fakeQuickChart.js";
import { createLogger } from "../../src/logger.js";
import { sendBlockAction, sendSlashCommand } from "../harness/slackRequests.js";
import type { StoredMessage } from "../harness/slackRecorder.js";

/**
 * Alerts end to end: the scheduled BullMQ evaluation reading the local Prometheus-compatible
 * server, alert state in PostgreSQL across a bot restart, the message posted once and edited in
 * place, the buttons, `/deploy alerts`, and Alertmanager's webhook.
 */

const CHANNEL = "C0WATCH";
const ONCALL_CHANNEL = "C0ONCALL";
const ALICE = "U0ALICE";
const NS = "ml-development";
const NAME = "resnet-prod";
const TOKEN = "alertmanager-token-0123456789";
const EVALUATION_MS = 150;
const ERROR_RATE_QUERY = renderMetricQuery(SERVICE_METRIC_TEMPLATES.errorRatePercent, { scope: { kind: "all", namespaces: [NS] }, windowSeconds: 300 });

let h: DeploybotHarness;
let prometheus: FakePrometheus;
let quickChart: FakeQuickChart;

function setErrorRate(percent: number): void {
  prometheus.setSeries(ERROR_RATE_QUERY, [{ labels: { namespace: NS, deployment: NAME }, value: percent }]);
}

function alertMessages(channel = CHANNEL): StoredMessage[] {
  return h.slack.messages(channel).filter((m) => /^(Firing|Resolved): /.test(m.text ?? ""));
}

/** Several evaluation rounds, so that a repeated post would have happened. */
function rounds(count = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, EVALUATION_MS * count));
}

function click(actionId: string, message: StoredMessage) {
  const value = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(message.blocks))?.[1] ?? "";
  return sendBlockAction(h.target, { userId: ALICE, channelId: message.channel, actionId, value, message: { ts: message.ts } });
}

async function command(text: string): Promise<string> {
  const before = h.slack.calls.length;
  const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: ALICE });
  const response = await sendSlashCommand(h.target, { text, userId: ALICE, channelId: CHANNEL, responseUrl });
  if (response.body !== "" && response.body !== undefined) return JSON.stringify(response.body);
  return JSON.stringify(await eventually(() => h.slack.calls.slice(before).find((c) => c.method === "response_url" || c.method === "chat.postEphemeral"), 5000, "an answer"));
}

function postAlertmanager(body: unknown, token = TOKEN) {
  return fetch(h.target.url.replace("/slack/events", "/alertmanager"), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

const ENV = {
  DEPLOYBOT_ALERT_FOR_SECONDS: "0",
  DEPLOYBOT_ALERTMANAGER_TOKEN: TOKEN,
  DEPLOYBOT_ALERT_ONCALL_GROUP: "S0ONCALL",
};

beforeAll(async () => {
  prometheus = await FakePrometheus.start();
  quickChart = await FakeQuickChart.start();
  h = await startHarness({ env: { ...ENV, PROMETHEUS_URL: prometheus.url, QUICKCHART_URL: quickChart.url }, kube: { namespaces: [NS] }, overrides: { alertEvaluationIntervalMs: EVALUATION_MS, sweepPageSize: 1 } });
  h.kube.setAutoProgress({ delayMs: 20 });
  await createLiveDeployment(h, { answers: { name: NAME }, userId: ALICE, channelId: CHANNEL });
});
afterAll(async () => {
  await h?.stop();
  await prometheus?.close();
  await quickChart?.close();
});

describe("an alert rule evaluated on a schedule", () => {
  it("fires once with the value, threshold, on-call mention, chart and buttons, and is not repeated", async () => {
    setErrorRate(12);
    const [alert] = await eventually(() => (alertMessages().length > 0 ? alertMessages() : undefined), 10_000, "the alert");
    await rounds();
    expect(alertMessages()).toHaveLength(1);
    const text = JSON.stringify(alert?.blocks);
    expect(text).toContain("<!subteam^S0ONCALL>");
    expect(text).toContain("error rate (5xx) 12% is at or over the 5% threshold");
    // A self-hosted QuickChart is out of Slack's reach: the last hour's chart is uploaded into the thread.
    const chart = await eventually(() => h.slack.uploadedFiles().find((f) => f.filename === `${NAME}-error-rate-1h.png` && f.channel !== undefined), 5000, "the alert's chart");
    expect(chart.channel).toBe(CHANNEL);
    const spec = quickChart.requests.at(-1)?.chart as { options: { plugins: { title: { text: string } } }; data: { datasets: { label: string }[] } };
    expect(spec.options.plugins.title.text).toBe("resnet-prod: error rate (5xx) (%), last hour");
    expect(spec.data.datasets.map((d) => d.label)).toContain("threshold (5 %)");
    for (const label of ["Acknowledge", "Scale up", "Roll back", "View logs", "Silence 1 h"]) expect(text).toContain(`"text":"${label}"`);
  });

  it("Acknowledge edits the same message: who, and no Acknowledge button any more", async () => {
    const [alert] = alertMessages();
    if (!alert) throw new Error("no alert");
    await click("alert:acknowledge", alert);
    const edited = await eventually(() => {
      const message = h.slack.message(CHANNEL, alert.ts);
      return message && JSON.stringify(message.blocks).includes(`Acknowledged by <@${ALICE}>`) ? message : undefined;
    }, 5000, "the acknowledged alert");
    expect(JSON.stringify(edited.blocks)).not.toContain('"text":"Acknowledge"');
    expect(alertMessages()).toHaveLength(1);
  });

  it("Scale up runs the scale operation through its usual request path", async () => {
    const [alert] = alertMessages();
    if (!alert) throw new Error("no alert");
    await click("alert:scale-up", alert);
    const scale = await eventually(async () => (await operationsOf(h, NAME)).find((o) => o.kind === "scale"), 10_000, "a scale operation");
    expect(scale.params).toMatchObject({ replicas: 3 });
    expect(scale.requestedBy).toBe(ALICE);
  });

  it("View logs posts the pods' log tail in the alert's thread", async () => {
    const [alert] = alertMessages();
    if (!alert) throw new Error("no alert");
    for (const pod of h.kube.list("Pod", NS).filter((p) => p.metadata.name.startsWith(`${NAME}-blue-`))) {
      h.kube.setPodLogs(NS, pod.metadata.name, "model-server", ["GET /predict 500 in 2300 ms", "token=abcdef0123456789 rejected"]);
    }
    await click("alert:logs", alert);
    const reply = await eventually(() => h.slack.message(CHANNEL, alert.ts)?.replies.find((r) => r.text?.startsWith("Logs of")), 5000, "the logs in the thread");
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain("GET /predict 500 in 2300 ms");
    expect(text).toContain("token=[REDACTED]");
    expect(text).not.toContain("abcdef0123456789");
  });

  it("survives a restart while firing: the new bot does not post it again, and edits it in place when it resolves", async () => {
    const [alert] = alertMessages();
    if (!alert) throw new Error("no alert");
    await h.bot.stop();
    h.bot = await startDeploybot(h.config, {
      kubeConfig: h.kube.kubeConfig(),
      logger: createLogger("debug", { write: (line: string) => void h.logLines.push(line) }),
      alertEvaluationIntervalMs: EVALUATION_MS,
      progressUpdateIntervalMs: 50,
      sweepPageSize: 1,
    });
    h.target = { ...h.target, url: `http://127.0.0.1:${h.bot.port}/slack/events` };
    await rounds(8);
    expect(alertMessages()).toHaveLength(1);

    setErrorRate(0.5);
    const resolved = await eventually(() => {
      const message = h.slack.message(CHANNEL, alert.ts);
      return message?.text?.startsWith("Resolved") ? message : undefined;
    }, 10_000, "the resolved alert");
    expect(JSON.stringify(resolved.blocks)).toMatch(/Resolved after (less than a minute|\d+ min)/);
    expect(JSON.stringify(resolved.blocks)).not.toContain('"type":"actions"');
    expect(alertMessages()).toHaveLength(1);
  });

  it("a new firing is a new message; Silence 1 h holds back the next one", async () => {
    setErrorRate(20);
    const second = await eventually(() => alertMessages().find((m) => m.text?.startsWith("Firing")), 10_000, "the second firing");
    expect(alertMessages()).toHaveLength(2);
    await click("alert:silence", second);
    await eventually(() => JSON.stringify(h.slack.message(CHANNEL, second.ts)?.blocks).includes("Silenced by"), 10_000, "the silenced alert");

    setErrorRate(0.5);
    await eventually(() => h.slack.message(CHANNEL, second.ts)?.text?.startsWith("Resolved"), 10_000, "the second resolution");
    setErrorRate(30);
    await rounds(8);
    expect(alertMessages().filter((m) => m.text?.startsWith("Firing"))).toHaveLength(0);
    setErrorRate(0.5);
    await rounds(3);
  });
});

describe("/deploy alerts", () => {
  it("shows the rules with their defaults, and changes a threshold, a rule and the channel", async () => {
    const shown = await command(`alerts ${NAME}`);
    expect(shown).toContain("`error-rate`: fires at ≥ 5%");
    expect(shown).toContain("`p99-latency`: fires at ≥ 1000 ms");
    expect(shown).toContain(`alerts go to <#${CHANNEL}>`);

    expect(await command(`alerts ${NAME} set error-rate threshold 8`)).toContain("error-rate now fires at 8");
    expect(await command(`alerts ${NAME} disable gpu-saturation`)).toContain("gpu-saturation is disabled");
    expect(await command(`alerts ${NAME} channel <#${ONCALL_CHANNEL}|oncall>`)).toContain(`now go to <#${ONCALL_CHANNEL}>`);
    const after = await command(`alerts ${NAME}`);
    expect(after).toContain("`error-rate`: fires at ≥ 8% (at once), resolves past 3.2%");
    expect(after).toContain("_disabled_");
    expect(await command(`alerts ${NAME} set latency threshold 5`)).toContain("is not a rule");
  });
});

const firing = {
  version: "4",
  groupKey: '{}:{alertname="ModelDown"}',
  truncatedAlerts: 0,
  status: "firing",
  receiver: "deploybot",
  groupLabels: { alertname: "ModelDown" },
  commonLabels: { alertname: "ModelDown", severity: "critical" },
  commonAnnotations: {},
  externalURL: "http://alertmanager.local",
  alerts: [
    {
      status: "firing",
      labels: { alertname: "ModelDown", namespace: NS, deploybot_deployment: NAME },
      annotations: { summary: "the model answers nothing" },
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.local/graph",
      fingerprint: "fp-model-down",
    },
  ],
};

describe("POST /alertmanager", () => {
  it("refuses a request without the right bearer token", async () => {
    expect((await postAlertmanager(firing, "wrong-token-0123456789")).status).toBe(401);
    expect(h.slack.messages(ONCALL_CHANNEL)).toHaveLength(0);
  });

  it("posts an actionable message once per fingerprint, and edits it when Alertmanager resolves it", async () => {
    const first = await postAlertmanager(firing);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ posted: 1, duplicates: 0 });
    const resent = await postAlertmanager(firing);
    expect(await resent.json()).toMatchObject({ posted: 0, duplicates: 1 });
    const messages = alertMessages(ONCALL_CHANNEL);
    expect(messages).toHaveLength(1);
    const text = JSON.stringify(messages[0]?.blocks);
    expect(text).toContain("ModelDown: the model answers nothing");
    expect(text).toContain("(Alertmanager)");
    expect(text).toContain('"text":"Roll back"');

    const resolvedBody = { ...firing, status: "resolved", alerts: firing.alerts.map((a) => ({ ...a, status: "resolved", endsAt: new Date().toISOString() })) };
    expect(await (await postAlertmanager(resolvedBody)).json()).toMatchObject({ resolved: 1 });
    expect(h.slack.message(ONCALL_CHANNEL, messages[0]?.ts ?? "")?.text).toMatch(/^Resolved: /);
  });

  it("answers 400 to a payload that is not Alertmanager's", async () => {
    const response = await postAlertmanager({ hello: "world" });
    expect(response.status).toBe(400);
  });
});

describe("a deleted deployment", () => {
  it("takes its alerts and rule overrides with it", async () => {
    const other = await createLiveDeployment(h, { answers: { name: "bert-api" }, userId: ALICE, channelId: CHANNEL });
    expect(await command("alerts bert-api set error-rate threshold 9")).toContain("error-rate now fires at 9");
    const alert = { ...firing.alerts[0], labels: { alertname: "ModelDown", namespace: NS, deploybot_deployment: "bert-api" }, fingerprint: "fp-bert-down" };
    expect(await (await postAlertmanager({ ...firing, alerts: [alert] })).json()).toMatchObject({ posted: 1 });
    const stored = () => Promise.all([h.database.db.alert.count({ where: { deploymentId: other.id } }), h.database.db.alertRuleOverride.count({ where: { deploymentId: other.id } })]);
    expect(await stored()).toEqual([1, 1]);

    await h.store.deployments.delete(other.id);
    expect(await stored()).toEqual([0, 0]);
  });
});
