import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { FakePrometheus } from "../harness/fakePrometheus.js";
import { sendBlockAction, sendViewSubmission } from "../harness/slackRequests.js";
import {
  CHANNEL,
  NAMESPACE,
  USER,
  createLiveDeployment,
  eventsOf,
  knownOperations,
  newOperation,
  openModal,
  operationById,
  revisionsOf,
  waitForOperation,
  waitForStatus,
} from "../harness/deploymentFlows.js";
import { V1_ANSWERS, clickRolloutButton, progressMessage, threadText, waitForCheckpoint, waitForMessage } from "./modelUpdateSupport.js";

const NAME = "llm-chat";
const BOB = "U0BOB";

let h: DeploybotHarness;
let prometheus: FakePrometheus;

beforeAll(async () => {
  prometheus = await FakePrometheus.start();
  h = await startHarness({
    kube: { namespaces: [NAMESPACE] },
    env: {
      DEPLOYBOT_TRAFFIC_PROVIDER: "istio",
      PROMETHEUS_URL: prometheus.url,
      DEPLOYBOT_CANARY_ERROR_RATE_QUERY: 'error_rate{workload="{workload}"}',
      DEPLOYBOT_CANARY_P99_LATENCY_QUERY: 'p99_ms{workload="{workload}"}',
    },
    overrides: { rolloutPollIntervalMs: 100 },
  });
  await createLiveDeployment(h, { answers: { ...V1_ANSWERS, name: NAME }, replicas: 4, loadBalancer: true, readiness: "manual" });
  h.kube.setAutoProgress(true);
});
afterAll(async () => {
  await h?.stop();
  await prometheus?.close();
});

function setMetrics(slot: string, errorRatePercent: number, p99LatencyMs: number): void {
  prometheus.set(`error_rate{workload="${NAME}-${slot}"}`, errorRatePercent);
  prometheus.set(`p99_ms{workload="${NAME}-${slot}"}`, p99LatencyMs);
}

/** The canary's weight in the VirtualService, as Istio would route. */
function weightOf(slot: string): number | undefined {
  const spec = h.kube.get("VirtualService", NAMESPACE, NAME)?.spec as { http: { route: { destination: { subset: string }; weight: number }[] }[] } | undefined;
  return spec?.http[0]?.route.find((route) => route.destination.subset === slot)?.weight;
}

/** `/deploy update-model canary` asks for the deployment and the version in a modal. */
async function startCanary(version: string, options: { steps: string; pauseSeconds: string }) {
  const view = await openModal(h, "update-model canary");
  const blocks = JSON.stringify(view.blocks);
  expect(blocks).toContain(`"block_id":"deployment"`);
  expect(blocks).toContain("Traffic shares are exact (Istio weights)");
  expect(blocks).toContain("error rate and p99 latency");
  await sendBlockAction(h.target, { userId: USER, actionId: "model-update-form:deployment", view: { id: view.id }, selectedOption: NAME, answers: { deployment: NAME } });
  await eventually(() => JSON.stringify(h.slack.view(view.id)?.blocks).includes(`"value":"${NAME}"`), 15_000, "the chosen deployment");
  const known = await knownOperations(h, NAME);
  const response = await sendViewSubmission(h.target, {
    userId: USER,
    view: { id: view.id },
    answers: {
      deployment: NAME,
      modelVersion: version,
      strategy: "canary",
      "option.steps": options.steps,
      "option.pauseSeconds": options.pauseSeconds,
      "option.maxErrorRatePercent": "1",
      "option.maxP99LatencyMs": "500",
    },
  });
  expect(response.body).toBe("");
  return newOperation(h, NAME, "update-model", known);
}

describe("canary update with Istio weights and Prometheus analysis", () => {
  it("steps the exact share up while healthy, then promotes", async () => {
    setMetrics("green", 0.2, 120);
    const operation = await startCanary("v2", { steps: "20, 50", pauseSeconds: "1" });
    const seen: number[] = [];
    await eventually(
      async () => {
        const weight = weightOf("green");
        if (weight !== undefined && seen.at(-1) !== weight) seen.push(weight);
        return (await operationById(h, operation.id)).status === "succeeded";
      },
      20_000,
      "the canary to finish",
    );
    expect(seen.filter((weight) => weight > 0)).toEqual([20, 50, 100]);
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)).toBeUndefined();
    const deployment = await waitForStatus(h, NAME, "live");
    expect(deployment).toMatchObject({ activeSlot: "green", lastStrategy: "canary" });

    const message = await waitForMessage(h, operation.id, "Promoted");
    expect(JSON.stringify(message.blocks)).toContain("canary 20% → 50% → 100%");
    await eventually(() => threadText(h, operation.id).includes("error rate 0.2% (max 1%), p99 120 ms (max 500 ms)"), 15_000, "health in the thread");
    expect(threadText(h, operation.id)).toContain("exact, Istio weights");
    expect(prometheus.queries).toContain(`error_rate{workload="${NAME}-green"}`);
  });

  it("rolls back at once when the canary's error rate is over its threshold, with the numbers", async () => {
    setMetrics("blue", 7.5, 180);
    const operation = await startCanary("v3", { steps: "10, 50", pauseSeconds: "1" });
    const failed = await waitForOperation(h, operation.id, "failed", 20_000);
    expect(failed.error).toContain("Rolled back to v2: canary error rate 7.5% is over the 1% threshold");
    expect(failed.error).toContain("measured error rate 7.5% (max 1%), p99 180 ms (max 500 ms)");
    expect(weightOf("green")).toBe(100);
    expect(weightOf("blue")).toBe(0);
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)).toBeUndefined();
    const message = await waitForMessage(h, operation.id, "Rolled back to");
    expect(JSON.stringify(message.blocks)).toContain("error rate 7.5% is over the 1% threshold");
    expect((await revisionsOf(h, NAME)).at(-1)).toMatchObject({ modelVersion: "v3", strategy: "canary", outcome: "rolled-back" });
    await waitForStatus(h, NAME, "live");
  });

  it("pauses, resumes and promotes from the message's buttons; a double click acts once", async () => {
    setMetrics("blue", 0.1, 90);
    const operation = await startCanary("v4", { steps: "10, 50", pauseSeconds: "30" });
    await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 2, "the first pause");
    expect(weightOf("blue")).toBe(10);

    await clickRolloutButton(h, operation.id, "pause");
    await clickRolloutButton(h, operation.id, "pause", { userId: BOB });
    await waitForCheckpoint(h, operation.id, (cp) => cp.paused !== null, "paused");
    await waitForMessage(h, operation.id, "rollout:resume");
    // The second click either merges with the first (one request pending) or arrives after it and is ignored.
    await eventually(
      async () => (await eventsOf(h, operation.id)).filter((event) => event.step === "control").length === 2,
      5000,
      "both clicks recorded",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await eventsOf(h, operation.id)).filter((event) => event.message.startsWith("Paused"))).toHaveLength(1);
    const before = (await operationById(h, operation.id)).checkpoint;
    expect(before).toMatchObject({ stepIndex: 2, paused: { remainingMs: expect.any(Number) } });

    await clickRolloutButton(h, operation.id, "resume");
    await waitForCheckpoint(h, operation.id, (cp) => cp.paused === null, "resumed");
    await clickRolloutButton(h, operation.id, "promote", { userId: BOB });
    await waitForOperation(h, operation.id, "succeeded", 20_000);
    expect(weightOf("blue")).toBe(100);
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)).toBeUndefined();
    const message = await waitForMessage(h, operation.id, "promoted early");
    expect(JSON.stringify(message.blocks)).not.toContain("rollout:");
    expect(threadText(h, operation.id)).toContain("Promoted (promote requested by <@U0BOB>)");
  });

  it("aborts from its button, and refuses a click that does not come from the rollout's message", async () => {
    const operation = await startCanary("v5", { steps: "25", pauseSeconds: "30" });
    await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 2, "the pause");
    const message = progressMessage(h, operation.id);
    if (!message) throw new Error("no progress message");

    await sendBlockAction(h.target, {
      userId: BOB,
      channelId: "C0ELSEWHERE",
      actionId: "rollout:abort",
      message: { ts: "1700000000.000100", text: message.text, blocks: message.blocks },
    });
    await eventually(() => h.slack.ephemerals({ user: BOB }).some((e) => e.text?.includes("does not belong")), 15_000, "the refusal");
    expect((await operationById(h, operation.id)).status).toBe("running");

    await clickRolloutButton(h, operation.id, "abort", { userId: BOB });
    const failed = await waitForOperation(h, operation.id, "failed", 20_000);
    expect(failed.error).toContain("aborted (abort requested by <@U0BOB>)");
    expect(weightOf("blue")).toBe(100);
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)).toBeUndefined();
    expect(h.slack.messages(CHANNEL).length).toBeGreaterThan(0);
  });

  it("lets Abort win over a Resume clicked at the same moment, and records both clicks", async () => {
    setMetrics("blue", 0.1, 90);
    setMetrics("green", 0.1, 90);
    const operation = await startCanary("v6", { steps: "20", pauseSeconds: "30" });
    await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 2, "the pause");
    await clickRolloutButton(h, operation.id, "pause");
    await waitForCheckpoint(h, operation.id, (cp) => cp.paused !== null, "paused");
    await waitForMessage(h, operation.id, "rollout:resume");

    await Promise.all([clickRolloutButton(h, operation.id, "abort", { userId: BOB }), clickRolloutButton(h, operation.id, "resume")]);
    const failed = await waitForOperation(h, operation.id, "failed", 20_000);
    expect(failed.error).toContain("aborted (abort requested by <@U0BOB>)");
    const clicks = await h.store.operations.controlRequests(operation.id);
    expect(clicks.map((click) => click.control)).toEqual(expect.arrayContaining(["pause", "abort", "resume"]));
    expect(clicks.find((click) => click.control === "abort")).toMatchObject({ requestedBy: BOB, outcome: "applied" });
    // Taken with the abort, the resume is superseded; taken alone just before it, it was applied and then overruled.
    expect(clicks.find((click) => click.control === "resume")?.outcome).toMatch(/^(superseded by abort|applied)$/);
  });
});
