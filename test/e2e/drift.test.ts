import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, createLiveDeployment, deploymentNamed, openModal, operationById, waitForOperation, waitForStatus } from "../harness/deploymentFlows.js";
import { sendBlockAction, sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

/**
 * Drift: a change made outside deploybot (a `kubectl edit`, as the fake API server records it in
 * managedFields) shows on the details panel with the fields, the manager and the time, and Re-apply
 * or Adopt settles it through the usual gates. Workloads deleted outside the bot show as Missing.
 */

const CHANNEL = "C0DRIFT";
const ALICE = "U0ALICE";
const BOB = "U0BOB";
const DEV = "ml-development";
const PROD = "ml-production";
const FROM_ALICE = { userId: ALICE, channelId: CHANNEL };

let h: DeploybotHarness;

beforeAll(async () => {
  h = await startHarness({ kube: { namespaces: [DEV, PROD] }, overrides: { driftCheckIntervalMs: 500, gateSweepIntervalMs: 100 } });
  h.kube.setAutoProgress({ delayMs: 20 });
  await createLiveDeployment(h, { answers: { name: "drift-dev" }, ...FROM_ALICE });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

/** A JSON patch as `kubectl edit` sends it: an Update recorded under its own field manager. */
async function kubectlPatch(namespace: string, name: string, operations: unknown[]): Promise<void> {
  const response = await fetch(`${h.kube.url}/apis/apps/v1/namespaces/${namespace}/deployments/${name}?fieldManager=kubectl-edit`, {
    method: "PATCH",
    headers: { Authorization: `Bearer ${h.kube.token}`, "Content-Type": "application/json-patch+json" },
    body: JSON.stringify(operations),
  });
  expect(response.status).toBe(200);
}

interface LiveDeployment {
  spec: { replicas?: number; template: { spec: { containers: { env?: { name: string; value?: string }[]; resources: { limits: Record<string, string> } }[] } } };
  metadata: { managedFields?: { manager: string }[] };
}

function live(namespace: string, name: string): LiveDeployment {
  return h.kube.get("Deployment", namespace, name) as unknown as LiveDeployment;
}

async function detailsText(name: string): Promise<{ id: string; text: string }> {
  const view = await openModal(h, `show ${name}`, FROM_ALICE);
  return { id: view.id, text: JSON.stringify(view) };
}

/** Opens the details panel until it shows (or no longer shows) the drift section. */
async function detailsWhen(name: string, drifted: boolean, timeoutMs = 60_000): Promise<{ id: string; text: string }> {
  return eventually(async () => {
    const details = await detailsText(name);
    return details.text.includes("Drifted") === drifted ? details : undefined;
  }, timeoutMs, `${name} ${drifted ? "drifted" : "no longer drifted"} on the details panel`);
}

/** Clicks a details panel button and returns the confirmation or change request posted for it. */
async function clickDetails(viewId: string, action: string, userId = ALICE): Promise<{ ts: string; operationId: string; text: string }> {
  const mark = h.slack.calls.length;
  const response = await sendBlockAction(h.target, { userId, channelId: CHANNEL, actionId: `deployment:${action}`, view: { id: viewId } });
  expect(response.status).toBe(200);
  const call = await eventually(
    () => h.slack.calls.slice(mark).find((c) => c.method === "chat.postMessage" && /operation:confirm|change-request:approve/.test(JSON.stringify(c.params.blocks ?? ""))),
    5000,
    `the message ${action} posts`,
  );
  const text = JSON.stringify(call.params.blocks);
  return { ts: (call.response as unknown as { ts: string }).ts, operationId: /"value":"([0-9a-f-]{36})"/.exec(text)?.[1] ?? "", text };
}

async function click(actionId: string, ts: string, userId = ALICE): Promise<void> {
  const response = await sendBlockAction(h.target, { userId, channelId: CHANNEL, actionId, message: { ts } });
  expect(response.status).toBe(200);
}

describe("drift", () => {
  it("shows an outside change with its fields, manager and time within a minute, and Re-apply takes it back", async () => {
    const patchedAt = Date.now();
    await kubectlPatch(DEV, "drift-dev-blue", [
      { op: "replace", path: "/spec/replicas", value: 4 },
      { op: "replace", path: "/spec/template/spec/containers/0/resources/limits/cpu", value: "8" },
    ]);
    const { id, text } = await detailsWhen("drift-dev", true);
    const seenAfterMs = Date.now() - patchedAt;
    expect(seenAfterMs).toBeLessThan(60_000);
    console.info(`drift shown on the details panel ${seenAfterMs} ms after the outside change`);
    expect(text).toContain("Deployment drift-dev-blue: spec.replicas 2 → 4");
    expect(text).toContain("resources.limits.cpu 4 → 8");
    expect(text).toMatch(/by kubectl-edit \(Update\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(text).toContain("deployment:reapply");
    expect(text).toContain("deployment:adopt");

    const request = await clickDetails(id, "reapply");
    expect(request.text).toContain("Re-apply takes back what was changed outside deploybot");
    await click("operation:confirm", request.ts);
    const done = await waitForOperation(h, request.operationId, "succeeded");
    expect(done.kind).toBe("reapply");
    const restored = live(DEV, "drift-dev-blue");
    expect(restored.spec.replicas).toBe(2);
    expect(restored.spec.template.spec.containers[0]?.resources.limits.cpu).toBe("4");
    expect(restored.metadata.managedFields?.map((entry) => entry.manager)).not.toContain("kubectl-edit");
    const after = await detailsWhen("drift-dev", false, 10_000);
    expect(after.text).toContain("Re-apply · succeeded");
    expect((await deploymentNamed(h, "drift-dev")).status).toBe("live");
  });

  it("Adopt stores the live values as the configuration through an edit, and names what cannot be adopted", async () => {
    await kubectlPatch(DEV, "drift-dev-blue", [
      { op: "replace", path: "/spec/template/spec/containers/0/resources/limits/memory", value: "32Gi" },
      { op: "replace", path: "/spec/template/spec/containers/0/resources/requests/memory", value: "32Gi" },
      { op: "add", path: "/spec/template/spec/containers/0/env/-", value: { name: "LOG_LEVEL", value: "verbose-level-9" } },
      { op: "replace", path: "/spec/template/spec/terminationGracePeriodSeconds", value: 5 },
    ]);
    const { id, text } = await detailsWhen("drift-dev", true);
    expect(text).toContain("resources.limits.memory 16Gi → 32Gi");
    expect(text).toContain("env[LOG_LEVEL]");
    expect(text).not.toContain("verbose-level-9");
    expect(text).toContain("Adopt cannot store Deployment drift-dev-blue: spec.template.spec.terminationGracePeriodSeconds in the configuration: Adopt and Re-apply both set it back");

    const request = await clickDetails(id, "adopt");
    expect(request.text).toContain("Adopt: the values changed outside deploybot become the stored configuration");
    expect(request.text).toContain("terminationGracePeriodSeconds");
    expect(request.text).not.toContain("verbose-level-9");
    const operation = await operationById(h, request.operationId);
    expect(operation.kind).toBe("edit");
    await click("operation:confirm", request.ts);
    await waitForOperation(h, request.operationId, "succeeded");
    // The outcome's audit entry is appended after the operation is settled.
    const audit = await eventually(async () => {
      const entries = await h.database.db.auditEvent.findMany({ where: { operationId: request.operationId }, orderBy: { id: "asc" } });
      return entries.length >= 3 ? entries : undefined;
    }, 5_000, "the outcome's audit entry");
    expect(audit.map((entry) => [entry.action, entry.decision])).toEqual([["requested", "edit"], ["confirmed", null], ["succeeded", "edit"]]);
    expect(audit[0]?.reason).toContain("Adopt");

    const stored = await deploymentNamed(h, "drift-dev");
    expect(stored.spec.resources.memoryGb).toBe(32);
    expect(stored.spec.env).toEqual([{ kind: "plain", name: "LOG_LEVEL", value: "verbose-level-9" }]);
    // The adopted values stay in the cluster; the one the spec cannot hold is set back.
    const container = live(DEV, "drift-dev-blue").spec.template.spec.containers[0];
    expect(container?.resources.limits.memory).toBe("32Gi");
    expect(container?.env?.find((variable) => variable.name === "LOG_LEVEL")?.value).toBe("verbose-level-9");
    expect((live(DEV, "drift-dev-blue").spec.template.spec as unknown as { terminationGracePeriodSeconds: number }).terminationGracePeriodSeconds).toBe(30);
    const form = JSON.stringify(await openModal(h, "edit drift-dev", FROM_ALICE));
    expect(form).toContain("LOG_LEVEL=verbose-level-9");
    const settled = await detailsWhen("drift-dev", false, 10_000);
    expect(settled.text).toContain("32 GB");
  });

  it("takes the same requests as commands: /deploy reapply and /deploy adopt", async () => {
    await kubectlPatch(DEV, "drift-dev-blue", [{ op: "replace", path: "/spec/replicas", value: 5 }]);
    await detailsWhen("drift-dev", true);
    let mark = h.slack.calls.length;
    expect((await sendSlashCommand(h.target, { text: "reapply drift-dev", userId: ALICE, channelId: CHANNEL })).status).toBe(200);
    const call = await eventually(
      () => h.slack.calls.slice(mark).find((c) => c.method === "chat.postMessage" && JSON.stringify(c.params.blocks ?? "").includes("operation:confirm")),
      5000,
      "the Re-apply confirmation",
    );
    const text = JSON.stringify(call.params.blocks);
    expect(text).toContain("Re-apply takes back what was changed outside deploybot");
    const operationId = /"value":"([0-9a-f-]{36})"/.exec(text)?.[1] ?? "";
    await click("operation:confirm", (call.response as unknown as { ts: string }).ts);
    expect((await waitForOperation(h, operationId, "succeeded")).kind).toBe("reapply");
    expect(live(DEV, "drift-dev-blue").spec.replicas).toBe(2);
    await detailsWhen("drift-dev", false, 10_000);

    // Nothing drifted: Adopt says so privately and records nothing.
    mark = h.slack.calls.length;
    expect((await sendSlashCommand(h.target, { text: "adopt drift-dev", userId: ALICE, channelId: CHANNEL })).status).toBe(200);
    const answer = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "response_url" || c.method === "chat.postEphemeral"), 5000, "the private answer");
    expect(JSON.stringify(answer.params)).toContain("has nothing to adopt");
  });

  it("does not count an HPA's replica changes as drift when auto-scaling is on", async () => {
    await createLiveDeployment(h, { answers: { name: "drift-hpa", "scaling.autoscalingEnabled": ["on"] }, ...FROM_ALICE });
    expect(h.kube.get("HorizontalPodAutoscaler", DEV, "drift-hpa")).toBeDefined();
    // The HPA controller scales through the scale subresource; then someone edits the CPU limit.
    const scaled = await fetch(`${h.kube.url}/apis/apps/v1/namespaces/${DEV}/deployments/drift-hpa-blue/scale?fieldManager=kube-controller-manager`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${h.kube.token}`, "Content-Type": "application/merge-patch+json" },
      body: JSON.stringify({ spec: { replicas: 5 } }),
    });
    expect(scaled.status).toBe(200);
    await kubectlPatch(DEV, "drift-hpa-blue", [{ op: "replace", path: "/spec/template/spec/containers/0/resources/limits/cpu", value: "6" }]);
    const { text } = await detailsWhen("drift-hpa", true);
    expect(text).toContain("resources.limits.cpu 4 → 6");
    expect(text).not.toContain("spec.replicas");
    expect(live(DEV, "drift-hpa-blue").spec.replicas).toBe(5);
  });

  it("never takes over a foreign object: Re-apply stops at a hand-made Service that replaced the bot's", async () => {
    expect(h.kube.remove("Service", DEV, "drift-hpa")).toBe(true);
    h.kube.put({ apiVersion: "v1", kind: "Service", metadata: { name: "drift-hpa", namespace: DEV, labels: { app: "hand-made" } }, spec: { selector: { app: "hand-made" }, ports: [{ port: 80 }] } });
    const foreign = JSON.stringify(h.kube.get("Service", DEV, "drift-hpa"));
    const { id, text } = await eventually(async () => {
      const details = await detailsText("drift-hpa");
      return details.text.includes("Service drift-hpa: deleted outside deploybot") ? details : undefined;
    }, 30_000, "the bot's Service shown as deleted");
    expect(text).toContain("Drifted");
    const writes = h.kube.requests.length;
    const request = await clickDetails(id, "reapply");
    await click("operation:confirm", request.ts);
    const failed = await waitForOperation(h, request.operationId, "failed");
    expect(failed.error).toContain("Service drift-hpa");
    expect(failed.error).toContain("does not belong to this deployment");
    expect(JSON.stringify(h.kube.get("Service", DEV, "drift-hpa"))).toBe(foreign);
    expect(h.kube.requests.slice(writes).filter((r) => r.path.endsWith("/services/drift-hpa") && r.method !== "GET")).toEqual([]);
    expect((await deploymentNamed(h, "drift-hpa")).status).toBe("live");
  });

  it("goes through approvals in production: Re-apply waits for a reviewer", async () => {
    const view = await openModal(h, "create", FROM_ALICE);
    const created = await sendViewSubmission(h.target, { userId: ALICE, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "drift-prod", environment: "production" } });
    expect(created.body).toBe("");
    const createRequest = await eventually(
      () => h.slack.calls.find((c) => c.method === "chat.postMessage" && JSON.stringify(c.params.blocks ?? "").includes("change-request:approve") && JSON.stringify(c.params.blocks).includes("drift-prod")),
      5000,
      "the create's change request",
    );
    await click("change-request:approve", (createRequest.response as unknown as { ts: string }).ts, BOB);
    await waitForStatus(h, "drift-prod", "live");

    await kubectlPatch(PROD, "drift-prod-blue", [{ op: "replace", path: "/spec/replicas", value: 7 }]);
    const { id } = await detailsWhen("drift-prod", true);
    const request = await clickDetails(id, "reapply");
    expect(request.text).toContain("change-request:approve");
    expect((await operationById(h, request.operationId)).status).toBe("awaiting_approval");
    expect(live(PROD, "drift-prod-blue").spec.replicas).toBe(7);
    await click("change-request:approve", request.ts, BOB);
    await waitForOperation(h, request.operationId, "succeeded");
    expect(live(PROD, "drift-prod-blue").spec.replicas).toBe(2);
  });

  it("shows a deployment whose workload was deleted outside the bot as Missing, and start re-creates it", async () => {
    expect(h.kube.remove("Deployment", PROD, "drift-prod-blue")).toBe(true);
    await waitForStatus(h, "drift-prod", "missing", 30_000);
    const list = h.slack.responseUrl({ channelId: CHANNEL, userId: ALICE });
    const mark = h.slack.calls.length;
    await sendSlashCommand(h.target, { text: "list", userId: ALICE, channelId: CHANNEL, responseUrl: list });
    const answer = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "response_url" || c.method === "chat.postEphemeral"), 5000, "the list");
    expect(JSON.stringify(answer.params)).toMatch(/drift-prod[^}]*Missing/);
    const details = await detailsText("drift-prod");
    expect(details.text).toContain("Missing: Deployment drift-prod-blue was deleted outside deploybot");
    expect(details.text).toContain("deployment:start");

    // Start, like every change in production, waits for a reviewer; then the workload is back and it is live.
    const request = await clickDetails(details.id, "start");
    await click("change-request:approve", request.ts, BOB);
    await waitForOperation(h, request.operationId, "succeeded");
    expect(live(PROD, "drift-prod-blue").spec.replicas).toBe(2);
    expect((await deploymentNamed(h, "drift-prod")).status).toBe("live");
  });

  it("returns a missing deployment to its previous status when its workload comes back by itself", async () => {
    const before = live(DEV, "drift-dev-blue") as unknown as Parameters<typeof h.kube.put>[0];
    expect(h.kube.remove("Deployment", DEV, "drift-dev-blue")).toBe(true);
    await waitForStatus(h, "drift-dev", "missing", 30_000);
    h.kube.put(before);
    await waitForStatus(h, "drift-dev", "live", 30_000);

    // Deleted again: Re-apply on the details panel re-creates it.
    expect(h.kube.remove("Deployment", DEV, "drift-dev-blue")).toBe(true);
    await waitForStatus(h, "drift-dev", "missing", 30_000);
    const { id, text } = await detailsWhen("drift-dev", true);
    expect(text).toContain("Deployment drift-dev-blue: deleted outside deploybot");
    const request = await clickDetails(id, "reapply");
    await click("operation:confirm", request.ts);
    await waitForOperation(h, request.operationId, "succeeded");
    expect(live(DEV, "drift-dev-blue").spec.replicas).toBe(2);
    await waitForStatus(h, "drift-dev", "live", 30_000);
  });
});
