import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OperationRecord } from "../../src/domain/operation.js";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";
import { CHANNEL, USER, createLiveDeployment, finishedOperation, knownOperations, newOperation, openModal, operationById, waitForOperation } from "../harness/deploymentFlows.js";
import { V1_ANSWERS, clickRolloutButton, waitForCheckpoint, waitForMessage } from "./modelUpdateSupport.js";

const CANARIES = ["parked-a", "parked-b", "parked-c", "parked-d", "parked-e"];
const OTHER = "busy-scaler";
const TIMED = "timed-pause";
const BETWEEN = "between-steps";

let h: DeploybotHarness;

beforeAll(async () => {
  // Two worker slots for five paused canaries: a pause that held its slot would block everything else.
  h = await startHarness({ env: { DEPLOYBOT_WORKER_CONCURRENCY: "2" }, overrides: { rolloutPollIntervalMs: 100, rolloutWatchIntervalMs: 500 } });
  h.kube.setAutoProgress(true);
  for (const name of [...CANARIES, OTHER, TIMED, BETWEEN]) await createLiveDeployment(h, { answers: { ...V1_ANSWERS, name }, replicas: 2 });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

async function jobState(operationId: string): Promise<string | undefined> {
  return (await h.bot.queue.queue.getJob(operationId))?.getState();
}

async function pausedCanary(name: string): Promise<OperationRecord> {
  const view = await openModal(h, `update-model ${name} canary`);
  const known = await knownOperations(h, name);
  await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { modelVersion: "v2", strategy: "canary", "option.steps": "50", "option.pauseSeconds": "600" } });
  const operation = await newOperation(h, name, "update-model", known);
  await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 2, `${name}'s pause step`);
  await clickRolloutButton(h, operation.id, "pause");
  await waitForCheckpoint(h, operation.id, (cp) => cp.paused !== null, `${name} paused`);
  await eventually(async () => (await jobState(operation.id)) === "delayed", 10_000, `${name}'s job parked`);
  return operation;
}

describe("paused rollouts wait parked, not in a worker slot", () => {
  it("runs a scale beside five paused canaries with two worker slots, and a click wakes a parked canary", async () => {
    const canaries: OperationRecord[] = [];
    for (const name of CANARIES) canaries.push(await pausedCanary(name));

    const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: USER });
    await sendSlashCommand(h.target, { text: `scale ${OTHER} 3`, userId: USER, channelId: CHANNEL, responseUrl });
    expect((await finishedOperation(h, OTHER, "scale", 15_000)).status).toBe("succeeded");
    for (const canary of canaries) {
      expect((await operationById(h, canary.id)).status).toBe("running");
      expect(await jobState(canary.id)).toBe("delayed");
    }

    // The progress message keeps its buttons while parked; Resume wakes the job, which continues its countdown.
    const first = canaries[0];
    if (!first) throw new Error("no canary");
    await waitForMessage(h, first.id, "rollout:resume");
    await clickRolloutButton(h, first.id, "resume");
    await waitForCheckpoint(h, first.id, (cp) => cp.paused === null, "resumed");
    await clickRolloutButton(h, first.id, "promote");
    await waitForOperation(h, first.id, "succeeded", 20_000);
    // Parking cost no attempt: BullMQ counts only the one that finished it.
    await eventually(async () => (await jobState(first.id)) === "completed", 10_000, "the job completed");
    expect((await h.bot.queue.queue.getJob(first.id))?.attemptsMade).toBe(1);
  }, 120_000);

  it("rolls a pause back once it is older than the cap (DEPLOYBOT_MAX_PAUSE_HOURS, 24 by default)", async () => {
    const operation = await operationById(h, (await h.store.operations.historyForName(CANARIES[1] ?? "")).find((op) => op.kind === "update-model")?.id ?? "");
    expect(operation.status).toBe("running");
    // The pause began 25 hours ago (raw: no repository rewrites a checkpoint's past), and the parked job's time has come.
    const checkpoint = operation.checkpoint ?? {};
    const paused = (checkpoint.paused ?? {}) as Record<string, unknown>;
    await h.database.db.operation.update({
      where: { id: operation.id },
      data: { checkpoint: { ...checkpoint, paused: { ...paused, since: new Date(Date.now() - 25 * 3600_000).toISOString() } } },
    });
    await (await h.bot.queue.queue.getJob(operation.id))?.promote();
    const failed = await waitForOperation(h, operation.id, "failed", 20_000);
    expect(failed.error).toContain("paused for longer than 24 h without Resume, Promote or Abort");
  }, 60_000);

  it("waits out a long timed pause parked, waking to look at its pods, without announcing the step again", async () => {
    const view = await openModal(h, `update-model ${TIMED} canary`);
    const known = await knownOperations(h, TIMED);
    await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { modelVersion: "v2", strategy: "canary", "option.steps": "50", "option.pauseSeconds": "4" } });
    const operation = await newOperation(h, TIMED, "update-model", known);
    await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 2, "the pause step");
    // Between looks the job waits in the delayed set: no worker slot for the length of the pause.
    await eventually(async () => (await jobState(operation.id)) === "delayed", 5_000, "the timed pause parked");
    expect((await operationById(h, operation.id)).checkpoint).toMatchObject({ stepIndex: 2, paused: null, parked: true });

    const done = await waitForOperation(h, operation.id, "succeeded", 20_000);
    const events = await h.store.operations.events(done.id);
    expect(events.filter((event) => event.message.startsWith("Resumed"))).toHaveLength(0);
    // Each wake shows the same state: the message is not edited again for it.
    const edits = h.slack.calls.filter((call) => call.method === "chat.update" && call.params.ts === done.messageTs && JSON.stringify(call.params).includes("Canary serving 50%"));
    expect(edits.length).toBeGreaterThanOrEqual(1);
    expect(edits.length).toBeLessThanOrEqual(2);
    await eventually(async () => (await jobState(operation.id)) === "completed", 10_000, "the job completed");
    expect((await h.bot.queue.queue.getJob(operation.id))?.attemptsMade).toBe(1);
  }, 60_000);

  it("holds a pause clicked during a step before the next one, and Resume goes on with the rollout", async () => {
    h.kube.setAutoProgress(false);
    const view = await openModal(h, `update-model ${BETWEEN} canary`);
    const known = await knownOperations(h, BETWEEN);
    // No pause step: after the canary is ready comes its analysis, so the pause holds between steps.
    await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { modelVersion: "v2", strategy: "canary", "option.steps": "50", "option.pauseSeconds": "0" } });
    const operation = await newOperation(h, BETWEEN, "update-model", known);
    await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 1, "waiting for the canary to be ready");
    await clickRolloutButton(h, operation.id, "pause");
    await waitForCheckpoint(h, operation.id, (cp) => cp.paused !== null, "paused");
    h.kube.setAutoProgress(true);
    await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 2, "the analysis step reached, paused");
    await eventually(async () => (await jobState(operation.id)) === "delayed", 10_000, "the paused rollout parked");

    await waitForMessage(h, operation.id, "rollout:resume");
    await clickRolloutButton(h, operation.id, "resume");
    expect((await waitForOperation(h, operation.id, "succeeded", 20_000)).status).toBe("succeeded");
  }, 60_000);
});
