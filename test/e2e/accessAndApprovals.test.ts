import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backdateConfirmation, eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, createLiveDeployment, deploymentNamed, finishedOperation, openModal, operationById, operationsOf, waitForStatus } from "../harness/deploymentFlows.js";
import { sendBlockAction, sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

/**
 * Who may do what, end to end through signed requests on real PostgreSQL and Redis: the safe
 * default, roles per environment, guests and other organizations, production change requests
 * (self-approval, two approvals, expiry, reject with a reason), stale requests, locks, dry runs,
 * and the audit trail that tells a production update's whole story.
 */

const CHANNEL = "C0MLTEAM";
const APPROVERS = "C0APPROVE";
const ALICE = "U0ALICE";
const BOB = "U0BOB";
const CAROL = "U0CAROL";
const DAN = "U0DAN";
const ADMIN = "U0ADMIN";
const GUEST = "U0GUEST";
const OUTSIDER = "U0OUTSIDE";
const DEV = "ml-development";
const PROD = "ml-production";

let h: DeploybotHarness;

beforeAll(async () => {
  h = await startHarness({ kube: { namespaces: [DEV, PROD] }, env: { DEPLOYBOT_ADMIN_USERS: ADMIN }, overrides: { gateSweepIntervalMs: 100 } });
  h.kube.setAutoProgress({ delayMs: 20 });
  h.slack.setUser({ id: GUEST, guest: "multi-channel" });
  h.slack.setUser({ id: OUTSIDER, teamId: "T0OTHERORG" });
  await createLiveDeployment(h, { answers: { name: "fraud-dev" }, userId: ALICE, channelId: CHANNEL });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

async function command(text: string, userId = ALICE, channelId = CHANNEL): Promise<number> {
  const mark = h.slack.calls.length;
  const responseUrl = h.slack.responseUrl({ channelId, userId });
  const response = await sendSlashCommand(h.target, { text, userId, channelId, responseUrl });
  expect(response.status).toBe(200);
  return mark;
}

/** The first private answer after `mark` (response_url or ephemeral), as text. */
async function privateAnswer(mark: number): Promise<string> {
  const call = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "response_url" || c.method === "chat.postEphemeral"), 5000, "a private answer");
  return JSON.stringify(call.params);
}

/** The change request posted in `channel` after `mark`: its message ts and its operation id. */
async function changeRequest(mark: number, channel = CHANNEL): Promise<{ ts: string; operationId: string }> {
  const call = await eventually(
    () => h.slack.calls.slice(mark).find((c) => c.method === "chat.postMessage" && c.params.channel === channel && JSON.stringify(c.params.blocks ?? "").includes("change-request:approve")),
    5000,
    `a change request in ${channel}`,
  );
  const ts = (call.response as unknown as { ts: string }).ts;
  const operationId = /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(call.params.blocks))?.[1] ?? "";
  return { ts, operationId };
}

async function click(actionId: string, ts: string, userId: string, channelId = CHANNEL): Promise<number> {
  const mark = h.slack.calls.length;
  const response = await sendBlockAction(h.target, { userId, channelId, actionId, message: { ts } });
  expect(response.status).toBe(200);
  return mark;
}

function messageText(channel: string, ts: string): string {
  return JSON.stringify(h.slack.messages(channel).find((m) => m.ts === ts)?.blocks ?? []);
}

describe("the safe default, with no policy set up", () => {
  it("lets members request; a production create waits for one approval from someone else", async () => {
    const view = await openModal(h, "create", { userId: ALICE, channelId: CHANNEL });
    const mark = h.slack.calls.length;
    const response = await sendViewSubmission(h.target, { userId: ALICE, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "fraud-prod", environment: "production" } });
    expect(response.body).toBe("");
    const request = await changeRequest(mark);
    const shown = messageText(CHANNEL, request.ts);
    for (const text of ["Change request", "fraud-prod", "Production", "Kubernetes objects", "Deployment fraud-prod-blue: created", "Risk", "Cost", "CPU-h", "Approvals: 0/1"]) expect(shown).toContain(text);
    expect((await deploymentNamed(h, "fraud-prod")).status).toBe("pending");
    expect(h.kube.get("Deployment", PROD, "fraud-prod-blue")).toBeUndefined();

    // Self-approval is refused, privately; nothing runs.
    const self = await click("change-request:approve", request.ts, ALICE);
    expect(await privateAnswer(self)).toContain("someone else must review it");
    expect((await operationById(h, request.operationId)).status).toBe("awaiting_approval");

    // Any other member approves while no approvers are named: it runs, and the request message becomes its progress message.
    await click("change-request:approve", request.ts, BOB);
    await waitForStatus(h, "fraud-prod", "live");
    await eventually(() => messageText(CHANNEL, request.ts).includes("is live"), 5000, "the request message turned into progress");
  });

  it("lets guests and other organizations view, never change", async () => {
    for (const who of [GUEST, OUTSIDER]) {
      const list = await command("list", who);
      expect(await privateAnswer(list)).toContain("fraud-dev");
      const scale = await command("scale fraud-dev 3", who);
      expect(await privateAnswer(scale)).toMatch(/(Guests|People from other organizations) may view deployments but not request changes/);
    }
    const approve = await command("scale fraud-prod 3", ALICE);
    const request = await changeRequest(approve);
    const guestClick = await click("change-request:approve", request.ts, GUEST);
    expect(await privateAnswer(guestClick)).toContain("Guests may view deployments but not approve changes");
    await click("operation:cancel", request.ts, ALICE);
    await eventually(async () => (await operationById(h, request.operationId)).status === "cancelled", 5000, "withdrawn");
  });
});

describe("roles", () => {
  it("only admins change the policy, and roles apply per environment", async () => {
    const denied = await command("access grant <@U0BOB|bob> approver production", ALICE);
    expect(await privateAnswer(denied)).toContain("change who may do what");

    for (const text of [
      "access grant <@U0BOB|bob> approver production",
      "access grant <@U0ALICE|alice> deployer production",
      "access grant <@U0DAN|dan> approver production",
      "access grant <@U0CAROL|carol> viewer production",
      "access approvers-channel production <#C0APPROVE|ml-approvals>",
    ]) {
      const mark = await command(text, ADMIN);
      expect(await privateAnswer(mark)).not.toContain(":warning:");
    }
    const shown = await command("access", CAROL);
    expect(await privateAnswer(shown)).toContain("approver in production");

    // Carol is a viewer in production: she views, she may not request there; development stays open to her.
    const list = await command("list", CAROL);
    expect(await privateAnswer(list)).toContain("fraud-prod");
    const refused = await command("scale fraud-prod 3", CAROL);
    expect(await privateAnswer(refused)).toContain("You may not request changes in production");
    const allowed = await command("scale fraud-dev 3", CAROL);
    await eventually(() => h.slack.calls.slice(allowed).some((c) => c.method === "chat.postMessage" && c.params.channel === CHANNEL), 5000, "Carol's scale posted");
    expect((await finishedOperation(h, "fraud-dev", "scale")).status).toBe("succeeded");
  });

  it("authorizes a click when it arrives: an approver whose role was removed is refused", async () => {
    const mark = await command("scale fraud-prod 4", ALICE);
    const request = await changeRequest(mark);
    // The request is also posted in the approvers' channel.
    await changeRequest(mark, APPROVERS);
    // Carol, a viewer, cannot approve now that approvers are named.
    const carol = await click("change-request:approve", request.ts, CAROL);
    expect(await privateAnswer(carol)).toContain("You may not approve changes in production");

    await privateAnswer(await command("access revoke <@U0DAN|dan> approver production", ADMIN));
    const dan = await click("change-request:approve", request.ts, DAN);
    expect(await privateAnswer(dan)).toContain("You may not approve changes in production");
    expect((await operationById(h, request.operationId)).status).toBe("awaiting_approval");

    await click("change-request:approve", request.ts, BOB);
    expect((await finishedOperation(h, "fraud-prod", "scale")).status).toBe("succeeded");
    // Every copy says how it ended.
    const copy = h.slack.messages(APPROVERS).at(-1);
    await eventually(() => JSON.stringify(h.slack.messages(APPROVERS).find((m) => m.ts === copy?.ts)?.blocks).includes("Approved by"), 5000, "the approvers' copy updated");
  });
});

describe("change requests", () => {
  it("needs two approvals when the environment asks for two", async () => {
    await privateAnswer(await command("access grant <@U0DAN|dan> approver production", ADMIN));
    await privateAnswer(await command("access approvals production 2", ADMIN));
    const mark = await command("scale fraud-prod 5", ALICE);
    const request = await changeRequest(mark);
    const first = await click("change-request:approve", request.ts, BOB);
    expect(await privateAnswer(first)).toContain("1 of 2 approvals");
    await eventually(() => messageText(CHANNEL, request.ts).includes("Approvals: 1/2"), 5000, "1/2 shown");
    const again = await click("change-request:approve", request.ts, BOB);
    expect(await privateAnswer(again)).toContain("already approved");
    expect((await operationById(h, request.operationId)).status).toBe("awaiting_approval");
    await click("change-request:approve", request.ts, DAN);
    expect((await finishedOperation(h, "fraud-prod", "scale")).status).toBe("succeeded");
    expect((await deploymentNamed(h, "fraud-prod")).replicas).toBe(5);
    await privateAnswer(await command("access approvals production 1", ADMIN));
  });

  it("turns a production edit into a change request with the field diff", async () => {
    const view = await openModal(h, "edit fraud-prod", { userId: ALICE, channelId: CHANNEL });
    const mark = h.slack.calls.length;
    const response = await sendViewSubmission(h.target, { userId: ALICE, view: { id: view.id }, answers: { description: "Scores card payments" } });
    expect(response.body).toBe("");
    const request = await changeRequest(mark);
    expect(messageText(CHANNEL, request.ts)).toContain("Description: Image classification → Scores card payments");
    await click("change-request:approve", request.ts, BOB);
    expect((await finishedOperation(h, "fraud-prod", "edit")).status).toBe("succeeded");
    expect((await deploymentNamed(h, "fraud-prod")).spec.description).toBe("Scores card payments");
  });

  it("rejects with a reason, shown on the request and in its thread", async () => {
    const mark = await command("stop fraud-prod", ALICE);
    const request = await changeRequest(mark);
    const opened = await click("change-request:reject", request.ts, BOB);
    const viewCall = await eventually(() => h.slack.calls.slice(opened).find((c) => c.method === "views.open"), 5000, "the reason modal");
    const viewId = (viewCall.response as unknown as { view: { id: string } }).view.id;
    const tooShort = await sendViewSubmission(h.target, { userId: BOB, view: { id: viewId }, answers: { reason: "no" } });
    expect(JSON.stringify(tooShort.body)).toContain("Say why");
    const response = await sendViewSubmission(h.target, { userId: BOB, view: { id: viewId }, answers: { reason: "Black Friday traffic: not today" } });
    expect(response.body).toBe("");
    const rejected = await eventually(async () => {
      const operation = await operationById(h, request.operationId);
      return operation.status === "rejected" ? operation : undefined;
    }, 5000, "rejected");
    expect(rejected.error).toContain("Black Friday traffic");
    await eventually(() => messageText(CHANNEL, request.ts).includes("Black Friday traffic"), 5000, "the reason on the message");
    await eventually(() => JSON.stringify(h.slack.messages(CHANNEL).find((m) => m.ts === request.ts)?.replies).includes("Black Friday traffic"), 5000, "the reason in the thread");
    expect((await deploymentNamed(h, "fraud-prod")).status).toBe("live");
  });

  it("expires unanswered requests and says so on every copy", async () => {
    const mark = await command("scale fraud-prod 2", ALICE);
    const request = await changeRequest(mark);
    await backdateConfirmation(h, request.operationId);
    await eventually(async () => (await operationById(h, request.operationId)).status === "expired", 5000, "expired");
    await eventually(() => messageText(CHANNEL, request.ts).includes("Expired without enough approvals"), 5000, "the expiry shown");
    // Its buttons are gone: nobody can approve it any more.
    expect(messageText(CHANNEL, request.ts)).not.toContain("change-request:approve");
  });

  it("refuses a stale edit: the spec changed while it waited", async () => {
    const review = await openModal(h, "edit fraud-dev", { userId: ALICE, channelId: CHANNEL });
    const submitted = await sendViewSubmission(h.target, { userId: ALICE, view: { id: review.id }, answers: { description: "Fraud scoring, tuned" } });
    expect(submitted.body).toMatchObject({ response_action: "update" });
    // Meanwhile a model update finishes: the edit was made on the old version.
    await command("update-model fraud-dev v2.2.0", BOB);
    expect((await finishedOperation(h, "fraud-dev", "update-model", 20_000)).status).toBe("succeeded");
    const applied = await sendViewSubmission(h.target, { userId: ALICE, view: { id: review.id } });
    expect(JSON.stringify(applied.body)).toContain("stale");
    expect(JSON.stringify(applied.body)).toContain("v2.1.0 → v2.2.0");
    const fresh = await deploymentNamed(h, "fraud-dev");
    expect(fresh.spec.modelVersion).toBe("v2.2.0");
    expect(fresh.spec.description).not.toBe("Fraud scoring, tuned");
  });
});

describe("where changes are recorded", () => {
  it("refuses production changes from a direct message, and withdraws a change it cannot show", async () => {
    const fromDm = await command("scale fraud-prod 3", ALICE, "D0ALICE");
    expect(await privateAnswer(fromDm)).toContain("Production changes are requested in a channel");
    // The bot is not in this channel: the scale is recorded, cannot be shown, and so never runs.
    h.slack.failNext("chat.postMessage", { error: "not_in_channel" });
    const hidden = await command("scale fraud-dev 5", ALICE, "C0NOBOT");
    expect(await privateAnswer(hidden)).toContain("cannot post in this conversation");
    const withdrawn = await eventually(async () => (await operationsOf(h, "fraud-dev")).find((operation) => operation.channelId === "C0NOBOT" && operation.status === "cancelled"), 5000, "the scale withdrawn");
    expect(withdrawn.kind).toBe("scale");
    expect((await deploymentNamed(h, "fraud-dev")).activeOperationId).toBeNull();
  });

  it("refuses what exceeds the environment's quota on the form's field", async () => {
    await privateAnswer(await command("access quota production max-replicas 3", ADMIN));
    const view = await openModal(h, "create", { userId: ALICE, channelId: CHANNEL });
    const response = await sendViewSubmission(h.target, { userId: ALICE, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "too-big", environment: "production" } });
    expect(response.body).toMatchObject({ response_action: "errors", errors: { "scaling.maxReplicas": "production allows at most 3 replicas per deployment." } });
    await privateAnswer(await command("access quota production max-replicas none", ADMIN));
  });
});

describe("locks and dry runs", () => {
  it("freezes a deployment for everyone but its holder; an admin breaks it", async () => {
    const locked = await command("lock fraud-dev incident INC-42 under investigation", ALICE);
    await eventually(() => h.slack.calls.slice(locked).some((c) => c.method === "chat.postMessage" && JSON.stringify(c.params).includes("locked *fraud-dev*")), 5000, "the lock announced");
    expect((await deploymentNamed(h, "fraud-dev")).freeze?.holder).toBe(ALICE);
    const bob = await command("scale fraud-dev 4", BOB);
    expect(await privateAnswer(bob)).toContain("is locked by <@U0ALICE>");
    const unlockByBob = await command("unlock fraud-dev", BOB);
    expect(await privateAnswer(unlockByBob)).toContain("only they, or an admin");

    // The holder still changes it.
    await command("scale fraud-dev 4", ALICE);
    await eventually(async () => (await deploymentNamed(h, "fraud-dev")).replicas === 4, 10_000, "Alice's scale applied");
    await waitForStatus(h, "fraud-dev", "live");

    const broken = await command("unlock fraud-dev", ADMIN);
    await eventually(() => h.slack.calls.slice(broken).some((c) => JSON.stringify(c.params).includes("broke")), 5000, "the lock broken");
    expect((await deploymentNamed(h, "fraud-dev")).freeze).toBeNull();
  });

  it("shows a dry run's diff and objects, and writes nothing", async () => {
    const before = await operationsOf(h, "fraud-dev");
    const deploymentBefore = JSON.stringify(h.kube.get("Deployment", DEV, "fraud-dev-green") ?? h.kube.get("Deployment", DEV, "fraud-dev-blue"));
    const mark = await command("scale fraud-dev 6 --dry-run", ALICE);
    const answer = await privateAnswer(mark);
    expect(answer).toContain("Dry run");
    expect(answer).toContain("Replicas: 4 → 6");
    expect(answer).toContain("spec.replicas 4 → 6");
    expect(answer).toContain("Nothing was changed");
    expect((await operationsOf(h, "fraud-dev")).length).toBe(before.length);
    expect(JSON.stringify(h.kube.get("Deployment", DEV, "fraud-dev-green") ?? h.kube.get("Deployment", DEV, "fraud-dev-blue"))).toBe(deploymentBefore);
    expect((await deploymentNamed(h, "fraud-dev")).replicas).toBe(4);
  });
});

describe("canary steps that wait for a human", () => {
  it("holds each healthy step until an approver presses Promote to next step", async () => {
    await privateAnswer(await command("access canary-approval development on", ADMIN));
    await privateAnswer(await command("access grant <@U0BOB|bob> approver development", ADMIN));
    const view = await openModal(h, "update-model fraud-dev canary", { userId: ALICE, channelId: CHANNEL });
    const response = await sendViewSubmission(h.target, {
      userId: ALICE,
      view: { id: view.id },
      answers: { modelVersion: "v3.0.0", strategy: "canary", "option.steps": "50", "option.pauseSeconds": "0", "option.maxErrorRatePercent": "1", "option.maxP99LatencyMs": "500" },
    });
    expect(response.body).toBe("");
    const message = await eventually(
      () => h.slack.messages(CHANNEL).find((m) => JSON.stringify(m.blocks).includes("rollout:advance") && JSON.stringify(m.blocks).includes("v3.0.0")),
      20_000,
      "the canary waiting for an approver",
    );
    expect(JSON.stringify(message.blocks)).toContain("Promote to next step");
    // The requester cannot push their own canary on; a non-approver neither.
    const own = await click("rollout:advance", message.ts, ALICE);
    expect(await privateAnswer(own)).toContain("promoted by an approver, not by you");
    const carol = await click("rollout:advance", message.ts, CAROL);
    expect(await privateAnswer(carol)).toContain("Only an approver");
    await click("rollout:advance", message.ts, BOB);
    expect((await finishedOperation(h, "fraud-dev", "update-model", 30_000)).status).toBe("succeeded");
    expect((await deploymentNamed(h, "fraud-dev")).spec.modelVersion).toBe("v3.0.0");
    await privateAnswer(await command("access canary-approval development off", ADMIN));
  }, 60_000);
});

describe("the audit trail", () => {
  it("tells a production update's whole story in /deploy history", async () => {
    const mark = await command("update-model fraud-prod v2.2.0", ALICE);
    const request = await changeRequest(mark);
    expect(messageText(CHANNEL, request.ts)).toContain("pods are replaced with v2.2.0");
    await click("change-request:approve", request.ts, BOB);
    expect((await finishedOperation(h, "fraud-prod", "update-model", 30_000)).status).toBe("succeeded");
    const history = await command("history fraud-prod", CAROL);
    const page = await privateAnswer(history);
    for (const text of ["History of fraud-prod", "<@U0ALICE> requested update-model", "<@U0BOB> approved update-model", "deploybot succeeded update-model", "<@U0BOB> rejected stop in <#C0MLTEAM>: Black Friday traffic"]) expect(page).toContain(text);
    const older = JSON.parse(page) as { blocks?: { type: string; elements?: { action_id: string; value: string }[] }[] };
    const button = older.blocks?.flatMap((block) => block.elements ?? []).find((element) => element.action_id === "history:page:older");
    expect(button).toBeDefined();

    const exportMark = await command("audit export --since 1d --format csv", ADMIN);
    const upload = await eventually(() => h.slack.calls.slice(exportMark).find((c) => c.method === "files.completeUploadExternal"), 5000, "the export uploaded");
    expect(upload.ok).toBe(true);
    const file = h.slack.uploadedFiles().at(-1);
    const csv = file?.bytes?.toString("utf8") ?? "";
    expect(csv.split("\r\n")[0]).toBe("id,at,actorId,channelId,deploymentName,environment,operationId,action,decision,reason,before,after");
    expect(csv).toContain("rejected");
    const refused = await command("audit export", ALICE);
    expect(await privateAnswer(refused)).toContain("Only admins");
  });
});
