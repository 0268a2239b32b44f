import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { sendSlashCommand } from "../harness/slackRequests.js";
import {
  CHANNEL,
  NAMESPACE,
  USER,
  createLiveDeployment,
  knownOperations,
  newOperation,
  operationById,
  operationsOf,
  revisionsOf,
  waitForOperation,
  waitForStatus,
} from "../harness/deploymentFlows.js";
import { V1_ANSWERS, modelVersionOf, serviceSelector, threadText, waitForMessage } from "./modelUpdateSupport.js";

const NAME = "resnet-prod";

let h: DeploybotHarness;

beforeAll(async () => {
  h = await startHarness({ kube: { namespaces: [NAMESPACE] }, overrides: { rolloutPollIntervalMs: 100 } });
  await createLiveDeployment(h, { answers: { ...V1_ANSWERS, name: NAME }, replicas: 3, readiness: "manual" });
});
afterAll(async () => {
  await h?.stop();
});

let repliesSeen = 0;

/** Sends a command; resolves with what the operations were before it, for `newOperation`. */
async function command(text: string): Promise<string[]> {
  const before = await knownOperations(h, NAME);
  repliesSeen = h.slack.callsTo("response_url").length;
  const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: USER });
  await sendSlashCommand(h.target, { text, userId: USER, channelId: CHANNEL, responseUrl });
  return before;
}

/** The private reply to the last command. */
async function reply(): Promise<string> {
  const posted = await eventually(() => h.slack.callsTo("response_url")[repliesSeen], 15_000, "a reply");
  return JSON.stringify(posted.params);
}

describe("rolling update", () => {
  it("replaces the pods in place with zero-downtime surge bounds and records the revision", async () => {
    const known = await command(`update-model ${NAME} v2`);
    const operation = await newOperation(h, NAME, "update-model", known);
    expect(operation.params).toMatchObject({ modelVersion: "v2", strategy: "rolling" });

    const updated = await eventually(() => {
      const object = h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`);
      return modelVersionOf(object) === "v2" ? object : false;
    }, 15_000, "blue updated to v2");
    expect(updated.spec).toMatchObject({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } } });
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)).toBeUndefined();

    await waitForMessage(h, operation.id, "Rolling Update");
    for (const ready of [1, 2, 3]) h.kube.progressDeployment(NAMESPACE, `${NAME}-blue`, ready);
    await waitForOperation(h, operation.id, "succeeded");
    const deployment = await waitForStatus(h, NAME, "live");
    expect(deployment).toMatchObject({ activeSlot: "blue", lastStrategy: "rolling" });
    expect(deployment.spec.modelVersion).toBe("v2");

    const message = await waitForMessage(h, operation.id, "Promoted");
    expect(JSON.stringify(message.blocks)).toContain("3/3 ready");
    expect(JSON.stringify(message.blocks)).not.toContain("rollout:abort");
    expect(await revisionsOf(h, NAME)).toMatchObject([
      { number: 1, modelVersion: "v1", strategy: "initial", outcome: "promoted" },
      { number: 2, modelVersion: "v2", strategy: "rolling", outcome: "promoted", createdBy: USER, operationId: operation.id },
    ]);
    await eventually(() => threadText(h, operation.id).includes("Updating resnet-prod-blue in place to v2"), 15_000, "the thread log");
  });

  it("refuses a second update while one runs, and an update to the version it already runs", async () => {
    await command(`update-model ${NAME} v2`);
    expect(await reply()).toContain("already runs v2");

    const known = await command(`update-model ${NAME} v3`);
    const running = await newOperation(h, NAME, "update-model", known);
    await eventually(async () => (await operationById(h, running.id)).status === "running", 15_000, "running");
    await command(`update-model ${NAME} v4 blue-green`);
    expect(await reply()).toContain("is busy");
    const unfinished = (await operationsOf(h, NAME)).filter((operation) => operation.kind === "update-model" && ["queued", "running"].includes(operation.status));
    expect(unfinished).toHaveLength(1);

    // Leave it as found: v3 becomes ready.
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)) === "v3", 15_000, "v3 applied");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-blue`, 3);
    await waitForOperation(h, running.id, "succeeded");
    await waitForStatus(h, NAME, "live");
  });

  it("rolls back by itself when the rollout stalls past its progress deadline", async () => {
    const known = await command(`update-model ${NAME} v4`);
    const operation = await newOperation(h, NAME, "update-model", known);
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)) === "v4", 15_000, "v4 applied");
    h.kube.failDeploymentProgress(NAMESPACE, `${NAME}-blue`, 'ReplicaSet "resnet-prod-blue-7c4d" has timed out progressing.');

    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)) === "v3", 15_000, "v3 restored in place");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-blue`, 3);
    const failed = await waitForOperation(h, operation.id, "failed");
    expect(failed.error).toContain("Rolled back to v3");
    expect(failed.error).toContain("ProgressDeadlineExceeded");

    const deployment = await waitForStatus(h, NAME, "live");
    expect(deployment.spec.modelVersion).toBe("v3");
    const message = await waitForMessage(h, operation.id, "Rolled back to");
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain("has timed out progressing");
    expect(message.text).toContain("Rolled back");
    expect((await revisionsOf(h, NAME)).at(-1)).toMatchObject({ modelVersion: "v4", outcome: "rolled-back" });
  });

  it("rolls back by itself when the new pods fail readiness", async () => {
    const known = await command(`update-model ${NAME} v5`);
    const operation = await newOperation(h, NAME, "update-model", known);
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)) === "v5", 15_000, "v5 applied");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-blue`, 1);
    h.kube.setDeploymentStatus(NAMESPACE, `${NAME}-blue`, {
      conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: 'pods "resnet-prod-blue-x" is forbidden: exceeded quota' }],
    });
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)) === "v3", 15_000, "v3 restored");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-blue`, 3);
    const failed = await waitForOperation(h, operation.id, "failed");
    expect(failed.error).toContain("FailedCreate");
    expect(failed.error).toContain("exceeded quota");
    await waitForStatus(h, NAME, "live");
  });

  it("returns to the previous revision with /deploy rollback, switching slots", async () => {
    const known = await command(`rollback ${NAME}`);
    const operation = await newOperation(h, NAME, "rollback", known);
    expect(operation.params).toMatchObject({ modelVersion: "v2", toRevision: 2 });
    const green = await eventually(() => h.kube.get("Deployment", NAMESPACE, `${NAME}-green`), 15_000, "green started");
    expect(modelVersionOf(green)).toBe("v2");
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "blue" });

    h.kube.progressDeployment(NAMESPACE, `${NAME}-green`, 3);
    await waitForOperation(h, operation.id, "succeeded");
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "green" });
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)).toBeUndefined();
    const deployment = await waitForStatus(h, NAME, "live");
    expect(deployment.activeSlot).toBe("green");
    expect(deployment.spec.modelVersion).toBe("v2");
    expect((await revisionsOf(h, NAME)).at(-1)).toMatchObject({ strategy: "rollback", modelVersion: "v2", outcome: "promoted" });
    await waitForMessage(h, operation.id, "Rolled back to");
  });

  it("rolls back to a named revision, and explains a revision that does not exist", async () => {
    await command(`rollback ${NAME} 9`);
    const answer = await reply();
    expect(answer).toContain("has no revision 9");
    expect(answer).toContain("(v1, promoted)");

    const known = await command(`rollback ${NAME} r3`);
    const operation = await newOperation(h, NAME, "rollback", known);
    expect(operation.params).toMatchObject({ modelVersion: "v3", toRevision: 3 });
    await eventually(() => modelVersionOf(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)) === "v3", 15_000, "blue started with v3");
    h.kube.progressDeployment(NAMESPACE, `${NAME}-blue`, 3);
    await waitForOperation(h, operation.id, "succeeded");
    const deployment = await waitForStatus(h, NAME, "live");
    expect(deployment.activeSlot).toBe("blue");
  });
});
