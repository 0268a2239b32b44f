import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countAllOperations, eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, CHANNEL, NAMESPACE, USER, deploymentNamed, eventsOf, openModal, operationById, operationsOf, waitForStatus } from "../harness/deploymentFlows.js";
import { sendBlockAction, sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

let h: DeploybotHarness;

beforeAll(async () => {
  // Not the default user: the model pods must run as the configured one.
  h = await startHarness({ env: { DEPLOYBOT_MODEL_SERVER_USER_ID: "4242" } });
  h.kube.createNamespace("ml-staging");
});
afterAll(async () => {
  await h?.stop();
});

const GOOD_ANSWERS = {
  name: "resnet-prod",
  description: "Image classification for the catalogue",
  modelId: "model-001",
  modelVersion: "v2.1.0",
  environment: "staging",
  "resources.cpuCores": "4",
  "resources.memoryGb": "16",
  "scaling.minReplicas": "3",
  "scaling.maxReplicas": "10",
  "scaling.targetCpuUtilization": "70",
  "scaling.targetMemoryUtilization": "80",
};

async function deploymentCount(): Promise<number> {
  return h.store.deployments.count();
}

describe("creating a deployment from Slack", () => {
  it("answers /deploy help with the command list", async () => {
    const response = await sendSlashCommand(h.target, { text: "help", userId: USER, channelId: CHANNEL });
    expect(response.status).toBe(200);
    const text = JSON.stringify(response.body);
    for (const command of ["/deploy create", "/deploy list", "/deploy scale NAME REPLICAS", "/deploy update-model", "/deploy delete NAME"]) {
      expect(text).toContain(command);
    }
    expect(response.body).toMatchObject({ response_type: "ephemeral" });
  });

  it("answers a mistyped command with what is wrong", async () => {
    const response = await sendSlashCommand(h.target, { text: "scale resnet-prod lots", userId: USER, channelId: CHANNEL });
    expect(JSON.stringify(response.body)).toContain("Replicas must be a whole number");
  });

  it("refuses unsigned, badly signed and stale requests, and does nothing", async () => {
    const callsBefore = h.slack.calls.length;
    for (const signing of [{ signature: "missing" as const }, { signature: "bad" as const }, { timestampOffsetSec: -301 }]) {
      const response = await sendSlashCommand(h.target, { text: "create", userId: USER, channelId: CHANNEL }, signing);
      expect(response.status).toBe(401);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.slack.calls.length).toBe(callsBefore);
    expect(await deploymentCount()).toBe(0);
  });

  it("shows the GPU type when the GPU count goes above 0", async () => {
    const view = await openModal(h, "create");
    expect(JSON.stringify(view.blocks)).not.toContain("resources.gpuType");
    await sendBlockAction(h.target, {
      userId: USER,
      actionId: "deployment-form:resources.gpuCount",
      view: { id: view.id },
      answers: { "resources.gpuCount": "2" },
    });
    const updated = await eventually(() => {
      const current = h.slack.view(view.id);
      return JSON.stringify(current?.blocks).includes("resources.gpuType") ? current : false;
    }, 5000, "the GPU type field");
    expect(JSON.stringify(updated.blocks)).toContain("NVIDIA A100");
  });

  it("puts every validation error inline on its field and stores nothing", async () => {
    const view = await openModal(h, "create");
    const response = await sendViewSubmission(h.target, {
      userId: USER,
      view: { id: view.id },
      answers: {
        ...GOOD_ANSWERS,
        name: "ResNet_Prod",
        "resources.cpuCores": null,
        "scaling.minReplicas": "5",
        "scaling.maxReplicas": "2",
        "scaling.targetCpuUtilization": "100",
      },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      response_action: "errors",
      errors: {
        name: expect.stringContaining("lowercase letters"),
        "resources.cpuCores": "CPU cores is required.",
      },
    });
    expect(await deploymentCount()).toBe(0);
    expect(await countAllOperations(h)).toBe(0);
  });

  it("refuses Least Connections on a plain Service provider, inline", async () => {
    const view = await openModal(h, "create");
    await sendBlockAction(h.target, {
      userId: USER,
      actionId: "deployment-form:loadBalancer.enabled",
      view: { id: view.id },
      answers: { "loadBalancer.enabled": ["on"] },
    });
    await eventually(() => JSON.stringify(h.slack.view(view.id)?.blocks).includes("loadBalancer.algorithm"), 5000, "load balancer fields");
    const response = await sendViewSubmission(h.target, {
      userId: USER,
      view: { id: view.id },
      answers: { ...GOOD_ANSWERS, "loadBalancer.enabled": ["on"], "loadBalancer.algorithm": "least-connections" },
    });
    expect(response.body).toMatchObject({ response_action: "errors", errors: { "loadBalancer.algorithm": expect.stringContaining("Istio") } });
    expect(await deploymentCount()).toBe(0);
  });

  it("creates it end to end: recorded, queued, applied, followed to live, in one message edited in place", async () => {
    const view = await openModal(h, "create");
    const response = await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: GOOD_ANSWERS });
    expect(response.status).toBe(200);
    expect(response.body).toBe("");

    const deployment = await deploymentNamed(h, "resnet-prod");
    expect(deployment).toMatchObject({ environment: "staging", namespace: "ml-staging", createdBy: USER, channelId: CHANNEL, replicas: 3 });
    const [operation] = await h.store.operations.recentForDeployment(deployment.id);
    if (!operation) throw new Error("no operation recorded for resnet-prod");
    expect(operation).toMatchObject({ kind: "create", requestedBy: USER });

    const first = await eventually(() => h.slack.latestMessage(CHANNEL), 5000, "the progress message");
    expect(first.text).toContain("Create resnet-prod");

    const kubeDeployment = await eventually(() => h.kube.get("Deployment", "ml-staging", "resnet-prod-blue"), 10_000, "the Deployment");
    expect(kubeDeployment).toMatchObject({ spec: { replicas: 3, template: { spec: { securityContext: { runAsNonRoot: true, runAsUser: 4242, runAsGroup: 4242 } } } } });
    await eventually(() => h.kube.get("Service", "ml-staging", "resnet-prod"), 5000, "the Service");

    for (const ready of [0, 1, 2, 3]) {
      h.kube.progressDeployment("ml-staging", "resnet-prod-blue", ready);
      await eventually(() => h.slack.latestMessage(CHANNEL)?.text?.includes(ready === 3 ? "Live" : `${ready}/3`) ?? false, 5000, `${ready}/3 shown`);
    }
    const final = await eventually(async () => {
      const row = await deploymentNamed(h, "resnet-prod");
      return row.status === "live" ? row : false;
    }, 5000, "live status");
    expect(final.activeOperationId).toBeNull();

    const messages = h.slack.messages(CHANNEL).filter((message) => message.text?.includes("resnet-prod"));
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message.edits).toBeGreaterThanOrEqual(2);
    expect(message.text).toContain("Live");
    expect(JSON.stringify(message.blocks)).toContain("http://resnet-prod.ml-staging.svc.cluster.local");
    const done = await operationById(h, operation.id);
    expect(done.status).toBe("succeeded");
    const steps = await eventsOf(h, operation.id);
    expect(steps.map((step) => step.step)).toEqual(expect.arrayContaining(["recorded", "step", "succeeded"]));
  });

  it("refuses a second deployment with the same name, inline", async () => {
    const view = await openModal(h, "create");
    const response = await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: GOOD_ANSWERS });
    expect(response.body).toMatchObject({ response_action: "errors", errors: { name: expect.stringContaining("already exists") } });
    expect(await deploymentCount()).toBe(1);
  });

  it("lists deployments with model, environment, status and replicas", async () => {
    const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: USER });
    await sendSlashCommand(h.target, { text: "list", userId: USER, channelId: CHANNEL, responseUrl });
    const posted = await eventually(() => h.slack.callsTo("response_url").at(-1), 5000, "the list");
    const text = JSON.stringify(posted.params);
    for (const part of ["resnet-prod", "model-001@v2.1.0", "Staging", "Live", "replicas: 3"]) expect(text).toContain(part);
  });

  it("ends a rollout past its progress deadline with a clear failure and no orphaned objects", async () => {
    const view = await openModal(h, "create");
    await sendViewSubmission(h.target, {
      userId: USER,
      view: { id: view.id },
      answers: { ...GOOD_ANSWERS, name: "bert-api-v1", environment: "development", "scaling.minReplicas": "2" },
    });
    await eventually(() => h.kube.get("Deployment", NAMESPACE, "bert-api-v1-blue"), 10_000, "the Deployment");
    h.kube.progressDeployment(NAMESPACE, "bert-api-v1-blue", 1);
    h.kube.failDeploymentProgress(NAMESPACE, "bert-api-v1-blue", 'ReplicaSet "bert-api-v1-blue-5d9c" has timed out progressing.');

    const failed = await eventually(async () => {
      const row = await deploymentNamed(h, "bert-api-v1");
      return row.status === "failed" ? row : false;
    }, 10_000, "failed status");
    expect(failed.statusReason).toContain("ProgressDeadlineExceeded");
    expect(failed.activeOperationId).toBeNull();

    const remaining = ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"].flatMap((kind) =>
      h.kube.list(kind, NAMESPACE).filter((object) => object.metadata?.labels?.["deploybot.io/deployment"] === "bert-api-v1"),
    );
    expect(remaining).toEqual([]);

    const message = await eventually(() => {
      const found = h.slack.messages(CHANNEL).find((m) => m.text?.includes("bert-api-v1") && JSON.stringify(m.blocks).includes("Cleaned up"));
      return found ?? false;
    }, 5000, "the failure message");
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain("ProgressDeadlineExceeded");
    expect(shown).toContain("Cleaned up");
    expect(shown).toContain("Deployment bert-api-v1-blue");
    expect(shown).toContain("has timed out progressing");
    expect(message.text).toContain("Failed");
  });

  it("never writes the bot token or signing secret to its logs", () => {
    const logs = h.logLines.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(h.config.slack.botToken);
    expect(logs).not.toContain(h.config.slack.signingSecret);
  });

  it("records one deployment when the same modal is submitted twice at once, and answers both without an error", async () => {
    h.kube.setAutoProgress(true);
    const view = await openModal(h, "create");
    const answers = { ...BASE_ANSWERS, name: "double-submit" };
    const responses = await Promise.all([
      sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers }),
      sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers }),
    ]);
    // The second is the first, already recorded: no "already exists" on the name, no database outage.
    expect(responses.map((response) => response.body)).toEqual(["", ""]);
    await waitForStatus(h, "double-submit", "live");
    expect((await operationsOf(h, "double-submit")).filter((operation) => operation.kind === "create")).toHaveLength(1);
  });

  it("records one deployment when two forms take the same new name at once, and tells the other person why theirs was not created", async () => {
    h.kube.setAutoProgress(true);
    const answers = { ...BASE_ANSWERS, name: "same-name" };
    // One after the other: openModal takes the first views.open after its command.
    const mine = await openModal(h, "create");
    const theirs = await openModal(h, "create", { userId: "U0BOB" });
    expect(theirs.id).not.toBe(mine.id);
    const responses = await Promise.all([
      sendViewSubmission(h.target, { userId: USER, view: { id: mine.id }, answers }),
      sendViewSubmission(h.target, { userId: "U0BOB", view: { id: theirs.id }, answers }),
    ]);
    await waitForStatus(h, "same-name", "live");
    expect((await operationsOf(h, "same-name")).filter((operation) => operation.kind === "create")).toHaveLength(1);
    // Both pass the checks before their answers, or the second is checked after the first was recorded.
    const creator = (await deploymentNamed(h, "same-name")).createdBy;
    const [loser, loserResponse] = creator === USER ? ["U0BOB", responses[1]] : [USER, responses[0]];
    const inline = JSON.stringify(loserResponse?.body);
    const told = inline.includes("already exists")
      ? inline
      : await eventually(() => h.slack.ephemerals({ channel: CHANNEL, user: loser }).find((e) => e.text?.includes("same-name was not created"))?.text, 5000, "the private refusal");
    expect(told).toContain("A deployment named same-name already exists");
  });
});
