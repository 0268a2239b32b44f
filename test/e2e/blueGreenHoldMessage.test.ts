import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { sendSlashCommand } from "../harness/slackRequests.js";
import { CHANNEL, NAMESPACE, USER, createLiveDeployment, knownOperations, newOperation } from "../harness/deploymentFlows.js";
import { V1_ANSWERS, progressMessage, serviceSelector } from "./modelUpdateSupport.js";

const NAME = "hold-shown";

let h: DeploybotHarness;

beforeAll(async () => {
  // Slack's pace for message edits (one a second), not the tests' fast one: the hold's report falls in a coalescing window.
  h = await startHarness({ kube: { namespaces: [NAMESPACE] }, overrides: { rolloutPollIntervalMs: 100, progressUpdateIntervalMs: 1000 } });
  await createLiveDeployment(h, { answers: { ...V1_ANSWERS, name: NAME }, replicas: 2, readiness: "manual" });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

describe("the blue-green hold on the progress message", () => {
  it("shows the hold with its buttons once traffic switched, when the new slot became ready a few seconds after it started", async () => {
    const known = await knownOperations(h, NAME);
    const responseUrl = h.slack.responseUrl({ channelId: CHANNEL, userId: USER });
    await sendSlashCommand(h.target, { text: `update-model ${NAME} v2 blue-green`, userId: USER, channelId: CHANNEL, responseUrl });
    const operation = await newOperation(h, NAME, "update-model", known);
    await eventually(() => h.kube.get("Deployment", NAMESPACE, `${NAME}-green`), 15_000, "green started");
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    h.kube.progressDeployment(NAMESPACE, `${NAME}-green`, 2);
    await eventually(() => serviceSelector(h, NAME)?.["deploybot.io/slot"] === "green", 15_000, "traffic on green");

    const message = await eventually(
      () => {
        const found = progressMessage(h, operation.id);
        const blocks = JSON.stringify(found?.blocks ?? []);
        return blocks.includes("All traffic on v2") && blocks.includes("kept until") && blocks.includes("rollout:promote") && blocks.includes("rollout:abort") ? found : false;
      },
      10_000,
      "the hold on the progress message",
    );
    expect(message).toBeDefined();
  }, 60_000);
});
