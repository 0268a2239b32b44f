import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditRepository } from "../../src/store/auditRepository.js";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, createLiveDeployment, deploymentNamed, eventsOf, finishedOperation, knownOperations, newOperation, openModal, operationsOf, waitForOperation } from "../harness/deploymentFlows.js";
import { PrivatePostgres } from "../harness/privatePostgres.js";
import { sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

/** No job left behind: the worker completes a job just after its operation is settled, so this waits a moment. */
async function expectQueueDrained(): Promise<void> {
  const drained = { active: 0, waiting: 0, delayed: 0 };
  await eventually(async () => JSON.stringify(await h.bot.queue.queue.getJobCounts("active", "waiting", "delayed")) === JSON.stringify(drained), 5_000, "the queue drained");
}

const CHANNEL = "C0PGOUTAGE";
const USER = "U0DAVE";
const NS = "ml-development";
const NAME = "outage-model";
const UNREACHABLE = "The deploybot database is unreachable right now";
/** How long a run waits in place for the database here (3 min in production). */
const OUTAGE_WAIT_MS = 15_000;

let h: DeploybotHarness;
let postgres: PrivatePostgres;

beforeAll(async () => {
  postgres = await PrivatePostgres.start();
  h = await startHarness({ database: postgres.testDatabase(), kube: { namespaces: [NS] }, overrides: { databaseOutageWaitMs: OUTAGE_WAIT_MS } });
  h.kube.setAutoProgress({ delayMs: 20 });
  await createLiveDeployment(h, { answers: { name: NAME }, userId: USER, channelId: CHANNEL });
  h.kube.setAutoProgress(false);
}, 60_000);
afterAll(async () => {
  // A test that failed mid-outage leaves the server stopped: the bot's shutdown needs it.
  await postgres?.up().catch(() => undefined);
  await h?.stop();
  await postgres?.remove();
});

/** Sends `/deploy TEXT` and returns the private answer it got. */
async function privateAnswerTo(text: string): Promise<{ text: string; ephemeral: boolean }> {
  const mark = h.slack.calls.length;
  const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: USER });
  const response = await sendSlashCommand(h.target, { text, userId: USER, channelId: CHANNEL, responseUrl });
  expect(response.status).toBe(200);
  const call = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "response_url" || c.method === "chat.postEphemeral"), 10_000, `the answer to /deploy ${text}`);
  const params = call.params as { response_type?: string };
  return { text: JSON.stringify(call.params), ephemeral: call.method === "chat.postEphemeral" || params.response_type !== "in_channel" };
}

function progressMessageOf(operationId: string) {
  return h.slack.messages(CHANNEL).find((message) => JSON.stringify(message.blocks).includes(operationId.slice(0, 8)));
}

function replicasInCluster(): number | undefined {
  return (h.kube.get("Deployment", NS, `${NAME}-blue`) as { spec: { replicas: number } } | undefined)?.spec.replicas;
}

function appliesTo(path: string): number {
  return h.kube.requests.filter((request) => request.method === "PATCH" && request.path.endsWith(path)).length;
}

describe("when PostgreSQL stops mid-operation", () => {
  it("says so, waits, and finishes the operation once when PostgreSQL is back", async () => {
    const appliesBefore = appliesTo(`/deployments/${NAME}-blue`);
    const operationsBefore = (await operationsOf(h, NAME)).length;
    const response = await sendSlashCommand(h.target, { text: `scale ${NAME} 4`, userId: USER, channelId: CHANNEL, responseUrl: h.slack.responseUrl({ channelId: CHANNEL, userId: USER }) });
    expect(response.status).toBe(200);
    // The scale is applied and waits for its pods, which the cluster holds not ready.
    await eventually(() => replicasInCluster() === 4, 10_000, "the scale applied");
    const scale = await eventually(async () => (await operationsOf(h, NAME)).find((operation) => operation.kind === "scale"), 5000, "the scale operation");

    await postgres.down("fast");
    // A command during the outage is answered privately, and says what is wrong.
    const refused = await privateAnswerTo(`scale ${NAME} 3`);
    expect(refused.text).toContain(UNREACHABLE);
    expect(refused.ephemeral).toBe(true);

    // The pods become ready while the database is away: the run cannot record it, and says so.
    h.kube.progressDeployment(NS, `${NAME}-blue`, 4);
    const waiting = await eventually(() => {
      const blocks = JSON.stringify(progressMessageOf(scale.id)?.blocks ?? "");
      return blocks.includes("database is unreachable") ? blocks : undefined;
    }, 15_000, "the outage in the progress message");
    expect(waiting).toMatch(/resumes when it is back|retry/i);

    await postgres.up();
    const done = await finishedOperation(h, NAME, "scale", 60_000);
    expect(done.id).toBe(scale.id);
    expect(done.status).toBe("succeeded");

    // Nothing lost: the deployment holds the new count, and is free.
    const deployment = await deploymentNamed(h, NAME);
    expect(deployment).toMatchObject({ status: "live", replicas: 4, activeOperationId: null });
    // Nothing run twice: one operation, one outcome, one apply of the Deployment.
    const operations = await operationsOf(h, NAME);
    expect(operations).toHaveLength(operationsBefore + 1);
    const events = await eventsOf(h, scale.id);
    expect(events.filter((event) => event.step === "succeeded")).toHaveLength(1);
    expect(appliesTo(`/deployments/${NAME}-blue`) - appliesBefore).toBe(1);
    const { records } = await new AuditRepository(h.database.db).forDeployment(NAME, 1, 100);
    expect(records.filter((record) => record.operationId === scale.id && record.action === "succeeded")).toHaveLength(1);
    // No job stuck.
    await expectQueueDrained();
    // The outcome says what happened.
    const final = await eventually(() => {
      const message = progressMessageOf(scale.id);
      return message?.text?.includes("Done") ? message : undefined;
    }, 10_000, "the outcome");
    expect(JSON.stringify(final.blocks)).toMatch(/delayed .*database outage/i);
  }, 120_000);

  it("refuses a create while PostgreSQL is down, and creates nothing", async () => {
    const view = await openModal(h, "create", { userId: USER, channelId: CHANNEL });
    const objectsBefore = h.kube.objectCount();
    await postgres.down("immediate");
    try {
      const response = await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "during-outage" } });
      expect(JSON.stringify(response.body)).toContain(UNREACHABLE);
    } finally {
      await postgres.up();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await h.store.deployments.findByName("during-outage")).toBeNull();
    expect(await operationsOf(h, "during-outage")).toEqual([]);
    expect(h.kube.objectCount()).toBe(objectsBefore);
  }, 60_000);

  it("leaves a longer outage to the queue's retry, says so, and still ends the operation once", async () => {
    const appliesBefore = appliesTo(`/deployments/${NAME}-blue`);
    const known = await knownOperations(h, NAME);
    const response = await sendSlashCommand(h.target, { text: `scale ${NAME} 5`, userId: USER, channelId: CHANNEL, responseUrl: h.slack.responseUrl({ channelId: CHANNEL, userId: USER }) });
    expect(response.status).toBe(200);
    const scale = await newOperation(h, NAME, "scale", known);
    await eventually(() => replicasInCluster() === 5, 10_000, "the scale applied");

    await postgres.down("immediate");
    h.kube.progressDeployment(NS, `${NAME}-blue`, 5);
    // Past the wait in place, the attempt ends and the queue retries it: the channel hears why.
    const retrying = await eventually(() => {
      const blocks = JSON.stringify(progressMessageOf(scale.id)?.blocks ?? "");
      return blocks.includes("Retrying in") ? blocks : undefined;
    }, OUTAGE_WAIT_MS + 15_000, "the retry notice");
    expect(retrying).toContain("The deploybot database is unreachable. Retrying in 5 s (attempt 1 of 6)");
    await postgres.up();

    const done = await waitForOperation(h, scale.id, "succeeded", 30_000);
    expect(done.status).toBe("succeeded");
    expect(await deploymentNamed(h, NAME)).toMatchObject({ status: "live", replicas: 5, activeOperationId: null });
    expect((await operationsOf(h, NAME)).filter((operation) => !known.includes(operation.id))).toHaveLength(1);
    expect((await eventsOf(h, scale.id)).filter((event) => event.step === "succeeded")).toHaveLength(1);
    // The retry applied the same state once more (server-side apply: nothing changed), and nothing was compensated.
    expect(appliesTo(`/deployments/${NAME}-blue`) - appliesBefore).toBe(2);
    expect(replicasInCluster()).toBe(5);
    await expectQueueDrained();
    await eventually(() => progressMessageOf(scale.id)?.text?.includes("Done"), 10_000, "the outcome");
  }, 90_000);
});
