import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeploybot, type Deploybot } from "../../src/deploybot.js";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { sendViewSubmission } from "../harness/slackRequests.js";
import {
  NAMESPACE,
  USER,
  createLiveDeployment,
  deploymentNamed,
  eventsOf,
  knownOperations,
  newOperation,
  openModal,
  operationById,
  revisionsOf,
} from "../harness/deploymentFlows.js";
import { V1_ANSWERS, clickRolloutButton, serviceSelector, waitForCheckpoint, waitForMessage } from "./modelUpdateSupport.js";

const NAME = "resnet-canary";

let h: DeploybotHarness;
let second: Deploybot | undefined;

beforeAll(async () => {
  // Looks at the pods rarer than the pause lasts: the job stays in its slot, so stopping the bot cuts it off mid-step.
  h = await startHarness({ kube: { namespaces: [NAMESPACE] }, overrides: { rolloutPollIntervalMs: 100, rolloutWatchIntervalMs: 120_000 } });
  await createLiveDeployment(h, { answers: { ...V1_ANSWERS, name: NAME }, replicas: 3, readiness: "manual" });
  h.kube.setAutoProgress(true);
});
afterAll(async () => {
  await second?.stop();
  await h?.stop();
});

function greenReplicas(): number | undefined {
  return (h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)?.spec as { replicas?: number } | undefined)?.replicas;
}

describe("a canary survives a restart of the bot", () => {
  it("continues from its checkpoint on another bot instance, never half-switched", async () => {
    const view = await openModal(h, `update-model ${NAME} canary`);
    const blocks = JSON.stringify(view.blocks);
    expect(blocks).toContain("replica ratio");
    expect(blocks).toContain("No metrics are configured: each step checks readiness only");
    const known = await knownOperations(h, NAME);
    await sendViewSubmission(h.target, {
      userId: USER,
      view: { id: view.id },
      answers: { modelVersion: "v2", strategy: "canary", "option.steps": "25, 50", "option.pauseSeconds": "60" },
    });
    const operation = await newOperation(h, NAME, "update-model", known);

    // Mid-canary: 25% by replica ratio (1 canary pod beside 3), the Service selecting both slots.
    const before = await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 2, "the first pause");
    expect(before).toMatchObject({ weight: 25, sharePercent: 25, newReplicas: 1, oldReplicas: 3, switched: false });
    expect(greenReplicas()).toBe(1);
    expect(serviceSelector(h, NAME)).not.toHaveProperty(["deploybot.io/slot"]);
    await waitForMessage(h, operation.id, "approximate: replica ratio behind a plain Service");
    const greenUid = h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)?.metadata.uid;

    await h.bot.stop();

    // Nobody runs it now: the cluster holds exactly the checkpoint's state.
    expect(greenReplicas()).toBe(1);
    expect(serviceSelector(h, NAME)).not.toHaveProperty(["deploybot.io/slot"]);

    const logLines: string[] = [];
    second = await startDeploybot(h.config, {
      kubeConfig: h.kube.kubeConfig(),
      logger: pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) }),
      recoveryIntervalMs: 60_000,
      progressUpdateIntervalMs: 50,
      rolloutPollIntervalMs: 100,
      rolloutWatchIntervalMs: 120_000,
    });
    await eventually(
      async () => (await eventsOf(h, operation.id)).filter((event) => event.message.startsWith("Resumed at step 3/")).length === 1,
      20_000,
      "the second bot to resume the canary",
    );
    // Same step, same start: the pause goes on counting from where it was, it does not start over.
    const resumed = (await operationById(h, operation.id)).checkpoint;
    expect(resumed).toMatchObject({ stepIndex: 2, stepStartedAt: before.stepStartedAt, weight: 25 });
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)?.metadata.uid).toBe(greenUid);

    await clickRolloutButton(h, operation.id, "promote", { target: { ...h.target, url: `http://127.0.0.1:${second.port}/slack/events` } });
    await eventually(async () => (await operationById(h, operation.id)).status === "succeeded", 20_000, "the promotion");
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "green" });
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)).toBeUndefined();
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)?.metadata.uid).toBe(greenUid);

    const messages = (await eventsOf(h, operation.id)).map((event) => event.message);
    // The restart interrupted the job; it went back to the queue without spending an attempt.
    expect(messages.filter((message) => message.startsWith("Attempt "))).toEqual([]);
    // BullMQ counts the finishing attempt too: one attempt in all, the restart cost none.
    const queue = second.queue.queue;
    await eventually(async () => (await (await queue.getJob(operation.id))?.getState()) === "completed", 10_000, "the job completed");
    expect((await queue.getJob(operation.id))?.attemptsMade).toBe(1);
    expect(messages.filter((message) => message.startsWith("Revision 2:"))).toHaveLength(1);
    expect(messages.filter((message) => message.includes("gets 25% of traffic"))).toHaveLength(1);
    expect(await revisionsOf(h, NAME)).toMatchObject([{ outcome: "promoted" }, { modelVersion: "v2", strategy: "canary", outcome: "promoted" }]);
    expect(await deploymentNamed(h, NAME)).toMatchObject({ status: "live", activeSlot: "green", activeOperationId: null });
    await waitForMessage(h, operation.id, "Promoted");
  });
});
