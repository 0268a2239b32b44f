import type { V1Deployment } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { validateDeploymentSpec, type DeploymentSpec } from "../../../src/domain/deploymentSpec.js";
import { defaultStrategyOptions } from "../../../src/domain/rolloutPlan.js";
import type { RolloutCheckpoint } from "../../../src/domain/rolloutCheckpoint.js";
import { readCheckpoint } from "../../../src/domain/rolloutCheckpoint.js";
import { slotReadiness } from "../../../src/cluster/slotReadiness.js";
import { rolloutRender } from "../../../src/jobs/rollout/renderState.js";

function spec(): DeploymentSpec {
  const result = validateDeploymentSpec({
    name: "resnet-prod",
    modelId: "model-001",
    modelVersion: "v1",
    resources: { cpuCores: 2, memoryGb: 4 },
    scaling: { minReplicas: 3, maxReplicas: 6, targetCpuUtilization: 70, targetMemoryUtilization: 80 },
  });
  if (!result.ok) throw new Error("valid spec");
  return result.spec;
}

function checkpoint(overrides: Partial<RolloutCheckpoint> = {}): RolloutCheckpoint {
  return {
    version: 1,
    choice: defaultStrategyOptions("canary") as RolloutCheckpoint["choice"],
    fromVersion: "v1",
    toVersion: "v2",
    fromSlot: "blue",
    toSlot: "green",
    baseReplicas: 3,
    stepIndex: 0,
    stepStartedAt: "2026-11-26T10:00:00.000Z",
    newReplicas: null,
    oldReplicas: 3,
    weight: 0,
    sharePercent: 0,
    switched: false,
    paused: null,
    promotedBy: null,
    analysisHolds: 0,
    lastHealth: null,
    rollback: null,
    ...overrides,
  };
}

const CONTEXT = { spec: spec(), replicas: 3, weightedRouting: true };

describe("rollout render", () => {
  it("runs the canary beside the stable slot with exact weights before the switch", () => {
    const { spec: rendered, state } = rolloutRender(checkpoint({ weight: 25, newReplicas: 1 }), CONTEXT);
    expect(rendered.modelVersion).toBe("v1");
    expect(state).toEqual({ activeSlot: "blue", replicas: 3, slots: { green: { modelVersion: "v2", replicas: 1 } }, trafficWeights: { blue: 75, green: 25 } });
  });

  it("selects both slots behind a plain Service: the share is the replica ratio", () => {
    const { state } = rolloutRender(checkpoint({ weight: 25, newReplicas: 1 }), { ...CONTEXT, weightedRouting: false });
    expect(state.serviceSelectorSlot).toBeNull();
    expect(state.trafficWeights).toBeUndefined();
  });

  it("after the switch serves the new slot and keeps the old one until it is retired", () => {
    expect(rolloutRender(checkpoint({ switched: true, newReplicas: 3 }), CONTEXT)).toEqual({
      spec: { ...CONTEXT.spec, modelVersion: "v2" },
      state: { activeSlot: "green", replicas: 3, slots: { blue: { modelVersion: "v1", replicas: 3 } } },
    });
    expect(rolloutRender(checkpoint({ switched: true, newReplicas: 3, oldReplicas: null }), CONTEXT).state).toEqual({ activeSlot: "green", replicas: 3 });
  });

  it("a rollback sends every request back to the old slot at its full size", () => {
    const { spec: rendered, state } = rolloutRender(
      checkpoint({ weight: 50, newReplicas: 3, oldReplicas: 3, rollback: { reason: "x", phase: "restore", startedAt: "2026-11-26T10:00:00.000Z" } }),
      CONTEXT,
    );
    expect(rendered.modelVersion).toBe("v1");
    expect(state.trafficWeights).toBeUndefined();
    expect(state.activeSlot).toBe("blue");
  });

  it("a rolling update changes the version in place and a rollback puts the old one back", () => {
    const rolling = checkpoint({ choice: { strategy: "rolling", options: {} }, toSlot: "blue" });
    expect(rolloutRender(rolling, CONTEXT)).toEqual({ spec: { ...CONTEXT.spec, modelVersion: "v2" }, state: { activeSlot: "blue", replicas: 3 } });
    const undo = { ...rolling, rollback: { reason: "x", phase: "restore" as const, startedAt: "2026-11-26T10:00:00.000Z" } };
    expect(rolloutRender(undo, CONTEXT).spec.modelVersion).toBe("v1");
  });

  it("round-trips through the stored JSON and ignores a checkpoint it cannot read", () => {
    const stored = JSON.parse(JSON.stringify(checkpoint({ weight: 10, newReplicas: 1 }))) as Record<string, unknown>;
    expect(readCheckpoint(stored)).toEqual(checkpoint({ weight: 10, newReplicas: 1 }));
    expect(readCheckpoint({ version: 99 })).toBeNull();
    expect(readCheckpoint(null)).toBeNull();
  });
});

function deployment(status: Record<string, unknown>, replicas = 2): V1Deployment {
  return { metadata: { name: "x", generation: 2 }, spec: { replicas } as V1Deployment["spec"], status: { observedGeneration: 2, ...status } };
}

describe("slot readiness", () => {
  it("is ready when every replica is updated and ready", () => {
    const ready = slotReadiness(deployment({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), { name: "x", wasReady: false });
    expect(ready).toMatchObject({ readyReplicas: 2, desiredReplicas: 2, status: { phase: "ready" } });
    expect(ready.failure).toBeUndefined();
  });

  it("fails at the progress deadline, and sooner when pods cannot be created", () => {
    const stalled = deployment({ conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "timed out" }] });
    expect(slotReadiness(stalled, { name: "x", wasReady: false }).failure).toBe("ProgressDeadlineExceeded (timed out)");
    const quota = deployment({ conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "exceeded quota" }] });
    expect(slotReadiness(quota, { name: "x", wasReady: false }).failure).toBe("FailedCreate (exceeded quota)");
  });

  it("treats lost availability as failure only for a slot that was ready", () => {
    const unready = deployment({ replicas: 2, updatedReplicas: 2, readyReplicas: 0, conditions: [{ type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "no" }] });
    expect(slotReadiness(unready, { name: "x", wasReady: false }).failure).toBeUndefined();
    expect(slotReadiness(unready, { name: "x", wasReady: true }).failure).toBe("MinimumReplicasUnavailable (no)");
  });

  it("reports a Deployment that is gone", () => {
    expect(slotReadiness(null, { name: "x-green", wasReady: true }).failure).toBe("Deployment x-green does not exist");
  });
});
