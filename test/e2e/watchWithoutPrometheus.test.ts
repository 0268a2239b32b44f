import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, createLiveDeployment, deploymentNamed, openModal, waitForStatus } from "../harness/deploymentFlows.js";
import { OOM_KILLED_STATUS, setPodStatuses } from "../harness/podStatuses.js";
import { sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

/** Without PROMETHEUS_URL, `/deploy metrics` still answers from the Kubernetes API and says why it has no more. */

const CHANNEL = "C0WATCH";
const ALICE = "U0ALICE";
const NS = "ml-development";

let h: DeploybotHarness;

beforeAll(async () => {
  h = await startHarness({ env: { DEPLOYBOT_ALERT_FOR_SECONDS: "0" }, kube: { namespaces: [NS] }, overrides: { alertEvaluationIntervalMs: 100 } });
  h.kube.setAutoProgress({ delayMs: 20 });
  await createLiveDeployment(h, { answers: { name: "plain-model" }, userId: ALICE, channelId: CHANNEL });
});
afterAll(async () => {
  await h?.stop();
});

describe("metrics without Prometheus", () => {
  it("shows live replicas and resource requests, says metrics are not configured, and draws no charts", async () => {
    const before = h.slack.calls.length;
    const response = await sendSlashCommand(h.target, { text: "metrics plain-model", userId: ALICE, channelId: CHANNEL, responseUrl: h.slack.responseUrl({ channelId: CHANNEL, userId: ALICE }) });
    expect(response.status).toBe(200);
    const post = await eventually(() => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"), 10_000, "the metrics message");
    const text = JSON.stringify(post.params.blocks);
    expect(text).toContain("Metrics are not configured (no `PROMETHEUS_URL`)");
    expect(text).toContain("*Replicas:* 2/2 ready");
    expect(text).toContain("*Requests per pod:* CPU 4, memory 16Gi");
    expect(text).not.toContain('"type":"image"');
    expect(h.slack.uploadedFiles()).toHaveLength(0);
  });

  it("keeps evaluating the Kubernetes-based rules: no alert while pods are ready", async () => {
    const evaluation = await h.bot.alertEvaluator.evaluate();
    expect(evaluation).toMatchObject({ deployments: 1, fired: 0 });
    expect(h.slack.messages(CHANNEL).filter((m) => m.text?.startsWith("Firing"))).toHaveLength(0);
  });

  it("does not alert on a deployment still being created, whose pods are not ready yet", async () => {
    h.kube.setAutoProgress(false);
    const view = await openModal(h, "create", { userId: ALICE, channelId: CHANNEL });
    await sendViewSubmission(h.target, { userId: ALICE, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "slow-loader" } });
    await eventually(() => h.kube.get("Deployment", NS, "slow-loader-blue"), 10_000, "the new Deployment");
    expect((await deploymentNamed(h, "slow-loader")).status).toBe("deploying");
    const evaluation = await h.bot.alertEvaluator.evaluate();
    expect(evaluation).toMatchObject({ deployments: 2, fired: 0 });
    expect(h.slack.messages(CHANNEL).filter((m) => m.text?.startsWith("Firing"))).toHaveLength(0);
    h.kube.setAutoProgress({ delayMs: 20 });
    await waitForStatus(h, "slow-loader", "live");
  });

  it("fires 'no ready replicas' from the Kubernetes API alone, naming the pods' cause", async () => {
    h.kube.progressDeployment(NS, "plain-model-blue", 0);
    setPodStatuses(h.kube, NS, "plain-model-blue-", OOM_KILLED_STATUS);
    const alert = await eventually(() => h.slack.messages(CHANNEL).find((m) => m.text?.startsWith("Firing")), 10_000, "the alert");
    const text = JSON.stringify(alert.blocks);
    expect(text).toContain("no ready replicas, at or under the threshold of 0");
    expect(text).toContain("*Cause:* Container model-server of pod plain-model-blue-");
    expect(text).toContain("OOMKilled, limit 16Gi");
    expect(text).toContain("*Next step:* Raise Memory (GB)");
  });

  it("resolves the alert when the deployment is stopped on purpose", async () => {
    const alert = h.slack.messages(CHANNEL).find((m) => m.text?.startsWith("Firing"));
    if (!alert) throw new Error("no firing alert to resolve");
    const deployment = await deploymentNamed(h, "plain-model");
    await h.store.deployments.setStatus(deployment.id, "stopped");
    await eventually(() => h.slack.message(CHANNEL, alert.ts)?.text?.startsWith("Resolved"), 10_000, "the alert resolved");
  });
});
