import type { InputBlock, KnownBlock, ModalView } from "@slack/types";
import { describe, expect, it } from "vitest";
import { UPDATE_STRATEGIES } from "../../src/domain/strategy.js";
import type { OperationProgress } from "../../src/domain/progress.js";
import type { RolloutProgress } from "../../src/domain/progress.js";
import { operationProgressMessage } from "../../src/slack/messages/operationProgressMessage.js";
import { buildUpdateModelView, readUpdateModelValues, STRATEGY_OPTION_FIELDS } from "../../src/slack/views/updateModelView.js";
import { validateMessageBlocks, validateView } from "../harness/blockKitLimits.js";

function inputIds(view: ModalView): string[] {
  return (view.blocks as KnownBlock[]).filter((block): block is InputBlock => block.type === "input").map((block) => block.block_id ?? "");
}

const BASE = { metadata: { channelId: "C1", deploymentName: "resnet-prod", currentVersion: "v1" }, deployments: [], exactWeights: false, metricsConfigured: false };

describe("Update Model modal", () => {
  it.each(UPDATE_STRATEGIES)("is a view Slack accepts with the %s options", (strategy) => {
    const view = buildUpdateModelView({ ...BASE, values: { strategy, options: {} } });
    expect(validateView(view)).toEqual([]);
    expect(inputIds(view)).toEqual(["modelVersion", "strategy", ...STRATEGY_OPTION_FIELDS[strategy].map((name) => `option.${name}`)]);
  });

  it("offers the guide's strategies with its descriptions, rolling first and recommended", () => {
    const view = buildUpdateModelView({ ...BASE, values: { strategy: "rolling", options: {} } });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain("Rolling Update (Recommended)");
    for (const description of ["Gradual replacement (zero downtime)", "Switch all at once", "Test with small percentage first"]) expect(text).toContain(description);
    expect(view.title).toMatchObject({ text: "Update Model" });
    expect(view.submit).toMatchObject({ text: "Update" });
  });

  it("asks for the deployment when the command named none, offering at most 100", () => {
    const deployments = Array.from({ length: 120 }, (_, i) => ({ name: `model-${i}`, modelVersion: "v1" }));
    const view = buildUpdateModelView({ ...BASE, metadata: { channelId: "C1" }, deployments, values: { strategy: "canary", options: {} } });
    expect(validateView(view)).toEqual([]);
    expect(inputIds(view)[0]).toBe("deployment");
  });

  it("says how canary shares are made and whether metrics are checked", () => {
    const plain = JSON.stringify(buildUpdateModelView({ ...BASE, values: { strategy: "canary", options: {} } }).blocks);
    expect(plain).toContain("replica ratio");
    expect(plain).toContain("No metrics are configured");
    const istio = JSON.stringify(buildUpdateModelView({ ...BASE, exactWeights: true, metricsConfigured: true, values: { strategy: "canary", options: {} } }).blocks);
    expect(istio).toContain("exact (Istio weights)");
    expect(istio).toContain("error rate and p99 latency");
  });

  it("keeps what was typed across a re-render and drops out-of-range numbers instead of breaking the view", () => {
    const view = buildUpdateModelView({ ...BASE, values: { strategy: "canary", modelVersion: "v2", options: { steps: "5, 50", pauseSeconds: "-3" } } });
    expect(validateView(view)).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('"initial_value":"5, 50"');
    expect(text).toContain('"initial_value":"v2"');
  });

  it("reads the state Slack sends back", () => {
    const values = readUpdateModelValues({
      modelVersion: { a: { type: "plain_text_input", value: "v9" } },
      strategy: { a: { type: "radio_buttons", selected_option: { value: "blue-green" } } },
      "option.scaleDownDelaySeconds": { a: { type: "number_input", value: "30" } },
      deployment: { a: { type: "static_select", selected_option: { value: "bert" } } },
    });
    expect(values).toEqual({ deployment: "bert", modelVersion: "v9", strategy: "blue-green", options: { scaleDownDelaySeconds: "30" } });
  });
});

function progress(rollout: RolloutProgress, overrides: Partial<OperationProgress> = {}): OperationProgress {
  return {
    operationId: "3f9c2a1b-0000-4000-8000-000000000000",
    kind: "update-model",
    operationStatus: "running",
    phase: "rolling-out",
    requestedBy: "U1",
    deploymentName: "resnet-prod",
    environment: "staging",
    namespace: "ml-staging",
    modelId: "model-001",
    modelVersion: "v2",
    detail: "Canary serving 25%: next check in 40 s",
    steps: [],
    rollout,
    ...overrides,
  };
}

const CANARY: RolloutProgress = {
  strategy: "canary",
  fromVersion: "v1",
  toVersion: "v2",
  stepNumber: 3,
  stepCount: 16,
  stepLabel: "pause 60 s",
  newTrafficPercent: 25,
  routing: "replica-ratio",
  newSlot: { version: "v2", readyReplicas: 1, desiredReplicas: 1 },
  health: "healthy: 1/1 ready, no metrics configured (readiness only)",
  paused: false,
  controls: ["promote", "pause", "abort"],
};

describe("rollout progress message", () => {
  it("shows step, traffic share and how it is made, readiness, health and the buttons", () => {
    const message = operationProgressMessage(progress(CANARY));
    expect(validateMessageBlocks(message.blocks, message.text)).toEqual([]);
    const text = JSON.stringify(message.blocks);
    for (const part of ["step 3/16, pause 60 s", "25%", "replica ratio behind a plain Service", "`v2`: 1/1 ready", "no metrics configured", "rollout:promote", "rollout:pause", "rollout:abort"]) {
      expect(text).toContain(part);
    }
    expect(message.text).toContain("Canary");
  });

  it("offers Resume while paused, and no buttons once it has ended", () => {
    expect(JSON.stringify(operationProgressMessage(progress({ ...CANARY, paused: true, controls: ["promote", "resume", "abort"] })).blocks)).toContain("rollout:resume");
    const ended = operationProgressMessage(
      progress({ ...CANARY, outcome: "rolled-back", outcomeReason: "canary error rate 7.5% is over the 1% threshold", controls: [] }, { operationStatus: "failed", phase: "failed" }),
    );
    expect(validateMessageBlocks(ended.blocks, ended.text)).toEqual([]);
    const text = JSON.stringify(ended.blocks);
    expect(text).not.toContain("rollout:");
    expect(text).toContain("Rolled back to `v1`");
    expect(text).toContain("7.5% is over the 1% threshold");
  });

  it("stays within Slack's limits with a very long reason", () => {
    const message = operationProgressMessage(progress({ ...CANARY, outcome: "failed", outcomeReason: "x".repeat(10_000), health: "y".repeat(5000) }, { operationStatus: "failed" }));
    expect(validateMessageBlocks(message.blocks, message.text)).toEqual([]);
  });
});
