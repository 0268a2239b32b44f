import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { sendBlockAction, sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";
import {
  CHANNEL,
  NAMESPACE,
  USER,
  createLiveDeployment,
  deploymentNamed,
  knownOperations,
  newOperation,
  openModal,
  operationsOf,
  revisionsOf,
  waitForOperation,
  waitForStatus,
} from "../harness/deploymentFlows.js";
import { V1_ANSWERS, clickRolloutButton, modelVersionOf, serviceSelector, threadText, waitForMessage } from "./modelUpdateSupport.js";

const NAME = "bert-api";

let h: DeploybotHarness;

beforeAll(async () => {
  // Holds wake from parking every second to look at the new version.
  h = await startHarness({ kube: { namespaces: [NAMESPACE] }, overrides: { rolloutPollIntervalMs: 100, rolloutWatchIntervalMs: 1_000 } });
  await createLiveDeployment(h, { answers: { ...V1_ANSWERS, name: NAME }, replicas: 2, readiness: "manual" });
});
afterAll(async () => {
  await h?.stop();
});

async function waitForSwitch(slot: string): Promise<void> {
  await eventually(() => serviceSelector(h, NAME)?.["deploybot.io/slot"] === slot, 15_000, `traffic on ${slot}`);
}

/** Opens Update Model for the deployment, picks blue-green and submits; resolves with the recorded operation. */
async function updateWithModal(version: string, scaleDownDelaySeconds: string) {
  const view = await openModal(h, `update-model ${NAME}`);
  const blocks = JSON.stringify(view.blocks);
  expect(blocks).toContain("Gradual replacement (zero downtime)");
  expect(blocks).toContain("Switch all at once");
  expect(blocks).toContain("Test with small percentage first");
  expect(blocks).not.toContain("option.scaleDownDelaySeconds");

  await sendBlockAction(h.target, { userId: USER, actionId: "model-update-form:strategy", view: { id: view.id }, selectedOption: "blue-green" });
  await eventually(() => JSON.stringify(h.slack.view(view.id)?.blocks).includes("option.scaleDownDelaySeconds"), 15_000, "the blue-green options");
  const known = await knownOperations(h, NAME);
  const response = await sendViewSubmission(h.target, {
    userId: USER,
    view: { id: view.id },
    answers: { modelVersion: version, strategy: "blue-green", "option.scaleDownDelaySeconds": scaleDownDelaySeconds },
  });
  expect(response.body).toBe("");
  return newOperation(h, NAME, "update-model", known);
}

describe("blue-green update", () => {
  it("shows field errors inline in the modal and records nothing", async () => {
    const view = await openModal(h, `update-model ${NAME} canary`);
    expect(JSON.stringify(view.blocks)).toContain("option.steps");
    const response = await sendViewSubmission(h.target, {
      userId: USER,
      view: { id: view.id },
      answers: { modelVersion: "v1", strategy: "canary", "option.steps": "50, 10" },
    });
    expect(response.body).toMatchObject({
      response_action: "errors",
      errors: { modelVersion: expect.stringContaining("already runs v1"), "option.steps": expect.stringContaining("rise from 1 to 100") },
    });
    expect((await operationsOf(h, NAME)).filter((operation) => operation.kind === "update-model")).toHaveLength(0);
  });

  it("starts the new version beside the old, switches when ready, and Abort during the hold switches straight back", async () => {
    const operation = await updateWithModal("v2", "600");
    expect(operation.params).toMatchObject({ strategy: "blue-green", options: { scaleDownDelaySeconds: 600 } });
    const green = await eventually(() => h.kube.get("Deployment", NAMESPACE, `${NAME}-green`), 15_000, "green started");
    expect(modelVersionOf(green)).toBe("v2");
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "blue" });

    h.kube.progressDeployment(NAMESPACE, `${NAME}-green`, 2);
    await waitForSwitch("green");
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)).toBeDefined();
    const held = await waitForMessage(h, operation.id, "kept until");
    expect(JSON.stringify(held.blocks)).toContain("Finish now");
    expect(JSON.stringify(held.blocks)).toContain("rollout:abort");
    expect((await deploymentNamed(h, NAME)).activeSlot).toBe("green");

    await clickRolloutButton(h, operation.id, "abort");
    const failed = await waitForOperation(h, operation.id, "failed");
    expect(failed.error).toContain("aborted (abort requested by <@U0ALICE>)");
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "blue" });
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)).toBeUndefined();
    const deployment = await waitForStatus(h, NAME, "live");
    expect(deployment.activeSlot).toBe("blue");
    expect(deployment.spec.modelVersion).toBe("v1");
    await waitForMessage(h, operation.id, "Rolled back to");
  });

  it("switches back by itself when the new version stops being ready during the hold", async () => {
    const operation = await updateWithModal("v3", "600");
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)) === "v3", 15_000, "green v3");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-green`, 2);
    await waitForSwitch("green");
    await waitForMessage(h, operation.id, "for a quick rollback");

    h.kube.progressDeployment(NAMESPACE, `${NAME}-green`, 0);
    const failed = await waitForOperation(h, operation.id, "failed");
    expect(failed.error).toContain("v3 stopped being ready after the switch");
    expect(failed.error).toContain("MinimumReplicasUnavailable");
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "blue" });
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)).toBeUndefined();
  });

  it("during the hold, /deploy rollback is the quick switch back", async () => {
    const operation = await updateWithModal("v4", "600");
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)) === "v4", 15_000, "green v4");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-green`, 2);
    await waitForSwitch("green");

    const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: USER });
    const replies = h.slack.callsTo("response_url").length;
    await sendSlashCommand(h.target, { text: `rollback ${NAME}`, userId: USER, channelId: CHANNEL, responseUrl });
    const answer = await eventually(() => h.slack.callsTo("response_url")[replies], 15_000, "the answer");
    expect(JSON.stringify(answer.params)).toContain("switches traffic back to v1 at once");
    await waitForOperation(h, operation.id, "failed");
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "blue" });
    expect((await operationsOf(h, NAME)).filter((operation) => operation.kind === "rollback")).toHaveLength(0);
  });

  it("removes the old version after the hold, and Finish now ends the hold early", async () => {
    const operation = await updateWithModal("v5", "600");
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)) === "v5", 15_000, "green v5");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-green`, 2);
    await waitForSwitch("green");
    await clickRolloutButton(h, operation.id, "promote");
    await waitForOperation(h, operation.id, "succeeded");
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)).toBeUndefined();
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "green" });
    const deployment = await waitForStatus(h, NAME, "live");
    expect(deployment).toMatchObject({ activeSlot: "green", lastStrategy: "blue-green" });
    await waitForMessage(h, operation.id, "Promoted");
    await eventually(() => threadText(h, operation.id).includes("Removed v1 (bert-api-blue)"), 15_000, "the removal in the thread");

    const next = await updateWithModal("v6", "1");
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)) === "v6", 15_000, "blue v6");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-blue`, 2);
    await waitForOperation(h, next.id, "succeeded");
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)).toBeUndefined();
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "blue" });
    expect((await revisionsOf(h, NAME)).map((revision) => [revision.modelVersion, revision.strategy, revision.outcome])).toEqual([
      ["v1", "initial", "promoted"],
      ["v2", "blue-green", "rolled-back"],
      ["v3", "blue-green", "rolled-back"],
      ["v4", "blue-green", "rolled-back"],
      ["v5", "blue-green", "promoted"],
      ["v6", "blue-green", "promoted"],
    ]);
  });
});
