import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backdateConfirmation, eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { createLiveDeployment, deploymentNamed, finishedOperation, openModal, operationById, operationsOf } from "../harness/deploymentFlows.js";
import { sendBlockAction, sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

const CHANNEL = "C0OPS";
const ALICE = "U0ALICE";
const BOB = "U0BOB";
const NS = "ml-development";
const FROM_ALICE = { userId: ALICE, channelId: CHANNEL };

let h: DeploybotHarness;

beforeAll(async () => {
  h = await startHarness({ kube: { namespaces: [NS] }, overrides: { gateSweepIntervalMs: 100 } });
  h.kube.setAutoProgress({ delayMs: 20 });
  await createLiveDeployment(h, { answers: { name: "resnet-prod" }, ...FROM_ALICE });
});
afterAll(async () => {
  await h?.stop();
});

async function command(text: string, userId = ALICE) {
  const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId });
  const response = await sendSlashCommand(h.target, { text, userId, channelId: CHANNEL, responseUrl });
  expect(response.status).toBe(200);
  return responseUrl;
}

/** The last private answer to a command (response_url or ephemeral). */
async function privateAnswer(after: number): Promise<string> {
  const call = await eventually(() => h.slack.calls.slice(after).find((c) => c.method === "response_url" || c.method === "chat.postEphemeral"), 5000, "a private answer");
  return JSON.stringify(call.params);
}

/** The newest confirmation message in the channel, with its operation id from the Confirm button. */
async function latestConfirmation(after: number) {
  const call = await eventually(
    () => h.slack.calls.slice(after).find((c) => c.method === "chat.postMessage" && JSON.stringify(c.params.blocks ?? "").includes("operation:confirm")),
    5000,
    "a confirmation message",
  );
  const ts = (call.response as unknown as { ts: string }).ts;
  const operationId = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(call.params.blocks))?.[1] ?? "";
  return { ts, operationId, text: JSON.stringify(call.params.blocks) };
}

async function click(actionId: string, ts: string, userId = ALICE) {
  return sendBlockAction(h.target, { userId, channelId: CHANNEL, actionId, message: { ts } });
}

function kubeDeployment(name = "resnet-prod") {
  return h.kube.get("Deployment", NS, `${name}-blue`) as { spec: { replicas?: number; template: { spec: { containers: { resources: { limits: Record<string, string> } }[] } } } } | undefined;
}

describe("day-two operations", () => {
  it("shows the details panel with live instances, every section and the actions", async () => {
    const view = JSON.stringify(await openModal(h, "show resnet-prod", FROM_ALICE));
    for (const text of [
      "Basic Information", "Resource Configuration", "Scaling Configuration", "Load Balancer",
      "Deployment Strategy", "Rolling Update", "Current Instances", "Min Instances", "Max Instances",
      "Health Check Path", "Storage (GB)", "Network Bandwidth (Mbps)", "Created by", "Last operations",
      "deployment:edit", "deployment:update-model", "deployment:scale", "deployment:stop", "deployment:delete",
    ]) expect(view).toContain(text);
    expect(view).toMatch(/Current Instances\*\\n2/);
  });

  it("answers show for an unknown deployment privately", async () => {
    const mark = h.slack.calls.length;
    await command("show nope");
    expect(await privateAnswer(mark)).toContain("There is no deployment named *nope*");
  });

  it("edits live fields after showing the diff, and stores them only once applied", async () => {
    const opened = await openModal(h, "edit resnet-prod", FROM_ALICE);
    const viewId = opened.id;
    const view = JSON.stringify(opened);
    expect(view).toContain("Update Deployment");
    expect(view).toContain("Use Update Model to deploy another model.");
    expect(view).toContain("The deployment name cannot be edited.");
    const review = await sendViewSubmission(h.target, {
      userId: ALICE,
      view: { id: viewId },
      answers: { description: "Now with a better description", "scaling.maxReplicas": "8", env: "LOG_LEVEL=debug\nHF_TOKEN=secret:hf/token" },
    });
    expect(review.body).toMatchObject({ response_action: "update", view: { callback_id: "deployment-edit:review" } });
    const diff = JSON.stringify(review.body);
    expect(diff).toContain("Max replicas");
    expect(diff).toContain("6 → 8");
    expect(diff).toContain("+LOG_LEVEL");
    expect(diff).not.toContain("debug");
    expect((await deploymentNamed(h, "resnet-prod")).spec).toMatchObject({ scaling: { maxReplicas: 6 } });

    await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId } });
    const done = await finishedOperation(h, "resnet-prod", "edit");
    expect(done.status).toBe("succeeded");
    const stored = await deploymentNamed(h, "resnet-prod");
    expect(stored.spec).toMatchObject({ description: "Now with a better description", scaling: { maxReplicas: 8 }, env: [{ name: "LOG_LEVEL" }, { name: "HF_TOKEN", kind: "secret" }] });
    const env = JSON.stringify(kubeDeployment()?.spec.template.spec.containers[0]);
    expect(env).toContain("LOG_LEVEL");
    expect(env).toContain("secretKeyRef");
    expect(h.logLines.join("\n")).not.toContain("LOG_LEVEL=debug");
  });

  it("refuses a bad edit inline and an edit that changes nothing", async () => {
    const viewId = (await openModal(h, "edit resnet-prod", FROM_ALICE)).id;
    const bad = await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: { "scaling.minReplicas": "9" } });
    expect(bad.body).toMatchObject({ response_action: "errors", errors: { "scaling.maxReplicas": expect.stringContaining("at least min replicas") } });
    const badEnv = await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: { env: "NOT VALID" } });
    expect(badEnv.body).toMatchObject({ response_action: "errors", errors: { env: expect.stringContaining("Line 1") } });
    const same = await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: {} });
    expect(same.body).toMatchObject({ response_action: "errors", errors: { description: expect.stringContaining("Nothing changed") } });
  });

  it("asks to confirm a CPU/memory edit (restart) in the channel, then applies it", async () => {
    const viewId = (await openModal(h, "edit resnet-prod", FROM_ALICE)).id;
    const mark = h.slack.calls.length;
    const response = await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: { "resources.cpuCores": "8" } });
    expect(response.body).toBe("");
    const confirmation = await latestConfirmation(mark);
    expect(confirmation.text).toContain("restart");
    expect(confirmation.text).toContain("CPU cores");
    expect(kubeDeployment()?.spec.template.spec.containers[0]?.resources.limits.cpu).toBe("4");
    await click("operation:confirm", confirmation.ts);
    expect((await finishedOperation(h, "resnet-prod", "edit")).status).toBe("succeeded");
    expect(kubeDeployment()?.spec.template.spec.containers[0]?.resources.limits.cpu).toBe("8");
    const thread = await eventually(() => h.slack.messages(CHANNEL).find((m) => m.ts === confirmation.ts && m.replies.length >= 2), 5000, "thread replies");
    expect(JSON.stringify(thread.replies)).toContain("updated");
  });

  it("scales within bounds, and refuses out of bounds or while auto-scaling owns replicas", async () => {
    await command("scale resnet-prod 5");
    expect((await finishedOperation(h, "resnet-prod", "scale")).status).toBe("succeeded");
    expect(kubeDeployment()?.spec.replicas).toBe(5);
    expect((await deploymentNamed(h, "resnet-prod")).replicas).toBe(5);

    let mark = h.slack.calls.length;
    await command("scale resnet-prod 50");
    expect(await privateAnswer(mark)).toContain("scales between 2 and 8 replicas; 50 is outside");
    mark = h.slack.calls.length;
    await command("scale resnet-prod 5");
    expect(await privateAnswer(mark)).toContain("already runs 5 replicas");
  });

  it("scales from the Scale modal, with refusals inline", async () => {
    const viewId = (await openModal(h, "scale resnet-prod", FROM_ALICE)).id;
    const refused = await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: { replicas: "1" } });
    expect(refused.body).toMatchObject({ response_action: "errors", errors: { replicas: expect.stringContaining("outside") } });
    const ok = await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: { replicas: "3" } });
    expect(ok.body).toMatchObject({ response_action: "clear" });
    await eventually(() => kubeDeployment()?.spec.replicas === 3, 10_000, "3 replicas");
    expect((await finishedOperation(h, "resnet-prod", "scale")).status).toBe("succeeded");
  });

  it("holds a stop at its confirmation: someone else cannot confirm, cancel discards it", async () => {
    let mark = h.slack.calls.length;
    await command("stop resnet-prod");
    const first = await latestConfirmation(mark);
    expect(first.text).toContain("All instances will shut down");
    expect(first.text).toContain("Endpoint will become unavailable");

    mark = h.slack.calls.length;
    await click("operation:confirm", first.ts, BOB);
    expect(await privateAnswer(mark)).toContain(`Only <@${ALICE}>`);
    expect(kubeDeployment()?.spec.replicas).toBe(3);

    await click("operation:cancel", first.ts);
    await eventually(() => h.slack.messages(CHANNEL).find((m) => m.ts === first.ts && m.text?.includes("Cancelled")), 5000, "cancelled message");
    const cancelled = await operationById(h, first.operationId);
    expect(cancelled.status).toBe("cancelled");
    const settled = h.slack.messages(CHANNEL).find((m) => m.ts === first.ts);
    expect(JSON.stringify(settled?.blocks)).not.toContain("operation:confirm");
    expect(kubeDeployment()?.spec.replicas).toBe(3);
  });

  it("expires an unanswered confirmation and says so on its message", async () => {
    const mark = h.slack.calls.length;
    await command("stop resnet-prod");
    const confirmation = await latestConfirmation(mark);
    await backdateConfirmation(h, confirmation.operationId);
    await eventually(() => h.slack.messages(CHANNEL).find((m) => m.ts === confirmation.ts && m.text?.includes("expired") && m.replies.length > 0), 5000, "expired message and its thread reply");
    expect((await operationById(h, confirmation.operationId)).status).toBe("expired");
    const settled = h.slack.messages(CHANNEL).find((m) => m.ts === confirmation.ts);
    expect(JSON.stringify(settled?.blocks)).not.toContain("operation:confirm");
    expect(JSON.stringify(settled?.replies)).toContain("expired");
  });

  it("stops and starts back exactly as it was; a double click changes nothing", async () => {
    const before = {
      deployment: structuredClone(kubeDeployment()?.spec),
      service: structuredClone((h.kube.get("Service", NS, "resnet-prod") as unknown as { spec: unknown }).spec),
      budget: structuredClone((h.kube.get("PodDisruptionBudget", NS, "resnet-prod") as unknown as { spec: unknown }).spec),
    };
    const mark = h.slack.calls.length;
    await command("stop resnet-prod");
    const confirmation = await latestConfirmation(mark);
    await click("operation:confirm", confirmation.ts);
    const doubleClick = h.slack.calls.length;
    await click("operation:confirm", confirmation.ts);
    expect(await privateAnswer(doubleClick)).toMatch(/already (confirmed|answered)/);
    expect((await finishedOperation(h, "resnet-prod", "stop")).status).toBe("succeeded");
    expect(kubeDeployment()?.spec.replicas).toBe(0);
    expect(h.kube.get("PodDisruptionBudget", NS, "resnet-prod")).toBeUndefined();
    const stopped = await deploymentNamed(h, "resnet-prod");
    expect(stopped.status).toBe("stopped");
    expect(stopped.replicas).toBe(3);

    const refusal = h.slack.calls.length;
    await command("scale resnet-prod 4");
    expect(await privateAnswer(refusal)).toContain("it is stopped");

    await command("start resnet-prod");
    expect((await finishedOperation(h, "resnet-prod", "start")).status).toBe("succeeded");
    expect(kubeDeployment()?.spec).toEqual(before.deployment);
    expect((h.kube.get("Service", NS, "resnet-prod") as unknown as { spec: unknown }).spec).toEqual(before.service);
    expect((h.kube.get("PodDisruptionBudget", NS, "resnet-prod") as unknown as { spec: unknown }).spec).toEqual(before.budget);
  });

  it("refuses a second operation while one runs, saying what runs", async () => {
    h.kube.setAutoProgress(false);
    await command("scale resnet-prod 4");
    await eventually(async () => (await deploymentNamed(h, "resnet-prod")).status === "scaling", 5000, "scaling");
    const mark = h.slack.calls.length;
    await command("scale resnet-prod 5");
    expect(await privateAnswer(mark)).toMatch(/busy: a scale requested by <@U0ALICE> is running/);
    h.kube.setAutoProgress({ delayMs: 20 });
    expect((await finishedOperation(h, "resnet-prod", "scale")).status).toBe("succeeded");
  });

  it("opens details from the list's button, and the Scale form on top of it from the details' button", async () => {
    let mark = h.slack.calls.length;
    await sendBlockAction(h.target, { userId: ALICE, channelId: CHANNEL, actionId: "deployment:show", blockId: "deployment:resnet-prod", value: "resnet-prod", elementType: "button" });
    const opened = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "views.open"), 5000, "the details modal");
    expect(opened.ok).toBe(true);
    const detailsId = (opened.response as unknown as { view: { id: string } }).view.id;
    expect(JSON.stringify(h.slack.view(detailsId))).toContain("Deployment Details");

    mark = h.slack.calls.length;
    await sendBlockAction(h.target, { userId: ALICE, actionId: "deployment:scale", view: { id: detailsId } });
    const pushed = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "views.push"), 5000, "the Scale modal");
    expect(pushed.ok, pushed.error).toBe(true);
    expect(JSON.stringify(pushed.params.view)).toContain("Scale Deployment");
  });

  it("deletes only after the name is typed, removing every object and keeping the history", async () => {
    const mark = h.slack.calls.length;
    await command("delete resnet-prod");
    const confirmation = await latestConfirmation(mark);
    for (const text of ["Shut down all instances", "Remove the endpoint", "Delete deployment configuration", "Before deleting", "Export logs if needed", "cannot be undone", "Current request rate: unknown (no metrics source configured)"]) {
      expect(confirmation.text).toContain(text);
    }
    const opened = h.slack.calls.length;
    await click("operation:confirm", confirmation.ts);
    const call = await eventually(() => h.slack.calls.slice(opened).find((c) => c.method === "views.open"), 5000, "the name modal");
    const viewId = (call.response as unknown as { view: { id: string } }).view.id;
    const wrong = await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: { "confirm-name": "resnet" } });
    expect(wrong.body).toMatchObject({ response_action: "errors", errors: { "confirm-name": "Type resnet-prod exactly to delete it." } });
    expect(h.kube.get("Service", NS, "resnet-prod")).toBeDefined();
    await sendViewSubmission(h.target, { userId: ALICE, view: { id: viewId }, answers: { "confirm-name": "resnet-prod" } });

    expect((await finishedOperation(h, "resnet-prod", "delete")).status).toBe("succeeded");
    expect(await h.store.deployments.findByName("resnet-prod")).toBeNull();
    const left = ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"].flatMap((kind) => h.kube.list(kind, NS));
    expect(left).toEqual([]);
    const history = await operationsOf(h, "resnet-prod");
    expect(history.map((o) => o.kind)).toEqual(expect.arrayContaining(["create", "edit", "scale", "stop", "start", "delete"]));
  });
});
