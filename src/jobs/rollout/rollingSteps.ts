import { isZeroDowntime, rollingParameters } from "../../domain/rolloutPlan.js";
import type { RolloutRun, StepOutcome } from "./run.js";

/**
 * Rolling update: the serving Deployment gets the new version in place and Kubernetes replaces
 * its pods a few at a time within the surge bounds (`wait-ready` then follows it). Rolling back
 * is the same move with the previous version, as `kubectl rollout undo` does.
 */
export async function updateInPlace(run: RolloutRun): Promise<StepOutcome> {
  const cp = run.checkpoint;
  const choice = cp.choice;
  const parameters = rollingParameters(choice.strategy === "rolling" ? choice.options : {}, { gpus: run.deployment.spec.resources.gpuCount > 0 });
  await run.apply();
  const downtime = isZeroDowntime(parameters) ? "zero downtime" : `up to ${parameters.maxUnavailable} pods unavailable`;
  await run.log.line(
    `Updating ${run.kubernetesName(cp.fromSlot)} in place to ${cp.toVersion} (max surge ${parameters.maxSurge}, max unavailable ${parameters.maxUnavailable}: ${downtime})`,
  );
  return { kind: "next" };
}
