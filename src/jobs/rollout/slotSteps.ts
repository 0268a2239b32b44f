import { rolloutDeadlineMs, type RolloutStep } from "../../domain/rolloutPlan.js";
import { takeControl } from "./controls.js";
import type { RolloutRun, StepOutcome } from "./run.js";

/**
 * The steps every slot-based rollout shares (blue-green, the end of a canary, a rollback to an
 * earlier revision): start the new version in the idle slot, wait until it is ready, switch all
 * traffic to it, remove the old one. `wait-ready` also follows a rolling update in place.
 */

export async function deployNew(run: RolloutRun): Promise<StepOutcome> {
  const cp = run.checkpoint;
  cp.newReplicas = cp.baseReplicas;
  // A promoted canary behind a plain Service keeps serving by replica ratio until the switch.
  if (cp.weight > 0 && !run.weighted) cp.sharePercent = Math.round((100 * cp.newReplicas) / (cp.newReplicas + (cp.oldReplicas ?? cp.baseReplicas)));
  await run.save();
  await run.apply();
  await run.log.line(`Started ${cp.toVersion} in ${run.kubernetesName(cp.toSlot)} with ${cp.baseReplicas} replicas, beside ${cp.fromVersion}`);
  return { kind: "next" };
}

/**
 * Follows the Deployment the last step changed until every replica is ready. A failure or a
 * rollout past its deadline rolls back; a paused rollout keeps following (Kubernetes does not
 * pause) and holds afterwards.
 */
export async function waitReady(run: RolloutRun): Promise<StepOutcome> {
  const cp = run.checkpoint;
  const slot = run.inPlace ? cp.fromSlot : cp.toSlot;
  const name = run.kubernetesName(slot);
  const deadlineMs = rolloutDeadlineMs(run.context.renderContext.progressDeadlineSeconds);
  for (;;) {
    const signal = await takeControl(run);
    if (signal) return signal;
    const ready = await run.observe(slot, false);
    const counts = `${ready.readyReplicas}/${ready.desiredReplicas} ready`;
    if (ready.failure) {
      return { kind: "rollback", reason: `rollout of ${name} failed: ${ready.failure} with ${counts}` };
    }
    if (ready.status.phase === "ready") {
      await run.report(`${name}: ${counts}`, { ready });
      await run.log.line(`${name}: ${counts} (${cp.toVersion})`);
      return { kind: "next" };
    }
    if (run.elapsedInStepMs() > deadlineMs) {
      return { kind: "rollback", reason: `${name} was not ready after ${Math.round(deadlineMs / 1000)} s (${counts})` };
    }
    await run.report(`Waiting for ${name}: ${counts}`, { ready });
    await run.sleep(run.pollIntervalMs);
  }
}

/**
 * Sends all traffic to the new slot in one apply (the Service selector, or the Istio weights),
 * then records the new slot as the serving one. With auto-scaling the new slot's replica count is
 * first set by a plain patch: the apply that hands it to the HPA then leaves the count in place.
 */
export async function switchTraffic(run: RolloutRun): Promise<StepOutcome> {
  const cp = run.checkpoint;
  if (run.deployment.spec.scaling.autoscalingEnabled && cp.newReplicas !== null) {
    await run.context.cluster.scaleDeployment(run.deployment.namespace, run.kubernetesName(cp.toSlot), cp.newReplicas);
  }
  cp.switched = true;
  cp.paused = null;
  await run.save();
  await run.apply();
  await run.recordServing(cp.toSlot, cp.toVersion);
  await run.log.line(`Switched all traffic to ${cp.toVersion} (${run.kubernetesName(cp.toSlot)})`);
  return { kind: "next" };
}

export async function retireOld(run: RolloutRun): Promise<StepOutcome> {
  const cp = run.checkpoint;
  cp.oldReplicas = null;
  await run.save();
  await run.apply();
  await run.log.line(`Removed ${cp.fromVersion} (${run.kubernetesName(cp.fromSlot)})`);
  return { kind: "next" };
}

/** Where Promote jumps: the end of a blue-green hold, or the canary's full-size start. */
export function promotionIndex(plan: readonly RolloutStep[], from: number, stepType: RolloutStep["type"] | undefined): number | null {
  const target = stepType === "hold" ? "retire-old" : "deploy-new";
  const index = plan.findIndex((step, i) => i > from && step.type === target);
  return index === -1 ? null : index;
}
