import type { DeploymentState } from "../../cluster/render/renderDeploymentObjects.js";
import type { DeploymentSpec } from "../../domain/deploymentSpec.js";
import type { Slot } from "../../domain/slot.js";
import type { RolloutCheckpoint } from "../../domain/rolloutCheckpoint.js";

/**
 * The deployment state a checkpoint stands for, ready for the renderer: which slot serves, what
 * each slot runs at how many replicas, and how traffic is split. Pure, so the cluster always
 * gets the same objects for the same checkpoint, whichever worker applies them.
 */
export interface RolloutRender {
  spec: DeploymentSpec;
  state: DeploymentState;
}

export interface RolloutRenderContext {
  spec: DeploymentSpec;
  /** Replicas the deployment runs when auto-scaling is off. */
  replicas: number;
  /** Istio weights in front of the slots, rather than a Service selector. */
  weightedRouting: boolean;
}

function withVersion(spec: DeploymentSpec, modelVersion: string): DeploymentSpec {
  return { ...spec, modelVersion };
}

export function rolloutRender(checkpoint: RolloutCheckpoint, context: RolloutRenderContext): RolloutRender {
  const { fromSlot, toSlot } = checkpoint;
  if (fromSlot === toSlot) return inPlaceRender(checkpoint, context);
  const restoring = checkpoint.rollback !== null;
  // Once switched (and not switched back by a rollback) the new slot serves and the old one idles.
  const serving: Slot = checkpoint.switched ? toSlot : fromSlot;
  const idle: Slot = checkpoint.switched ? fromSlot : toSlot;
  const servingVersion = checkpoint.switched ? checkpoint.toVersion : checkpoint.fromVersion;
  const idleVersion = checkpoint.switched ? checkpoint.fromVersion : checkpoint.toVersion;
  const idleReplicas = checkpoint.switched ? checkpoint.oldReplicas : checkpoint.newReplicas;
  const servingReplicas = checkpoint.switched ? (checkpoint.newReplicas ?? checkpoint.baseReplicas) : (checkpoint.oldReplicas ?? checkpoint.baseReplicas);

  const state: DeploymentState = {
    activeSlot: serving,
    replicas: context.spec.scaling.autoscalingEnabled ? context.replicas : servingReplicas,
  };
  if (idleReplicas !== null) state.slots = { [idle]: { modelVersion: idleVersion, replicas: idleReplicas } };
  // A canary share before the switch; a rollback always sends everything back to the old slot.
  const canaryShare = !checkpoint.switched && !restoring && idleReplicas !== null ? checkpoint.weight : 0;
  if (canaryShare > 0) {
    if (context.weightedRouting) {
      state.trafficWeights = fromSlot === "blue" ? { blue: 100 - canaryShare, green: canaryShare } : { blue: canaryShare, green: 100 - canaryShare };
    } else {
      // Behind a plain Service the share is the replica ratio: the Service selects both slots.
      state.serviceSelectorSlot = null;
    }
  }
  return { spec: withVersion(context.spec, servingVersion), state };
}

/** A rolling update changes the serving slot's version in place; a rollback puts the old one back. */
function inPlaceRender(checkpoint: RolloutCheckpoint, context: RolloutRenderContext): RolloutRender {
  const version = checkpoint.rollback ? checkpoint.fromVersion : checkpoint.toVersion;
  return {
    spec: withVersion(context.spec, version),
    state: { activeSlot: checkpoint.fromSlot, replicas: context.spec.scaling.autoscalingEnabled ? context.replicas : checkpoint.baseReplicas },
  };
}
