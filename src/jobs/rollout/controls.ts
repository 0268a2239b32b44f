import { controlEffect } from "../../domain/rolloutPlan.js";
import type { RolloutRun, StepOutcome } from "./run.js";

/**
 * Acts on a pending button click. Pause and resume change the checkpoint here (a paused pause
 * step keeps its remaining time, so resuming continues the countdown); promote and abort come
 * back as outcomes for the executor. Clicks that do not apply are logged and dropped.
 */
export async function takeControl(run: RolloutRun): Promise<StepOutcome | undefined> {
  const pending = await run.takeControl();
  if (!pending) return undefined;
  const cp = run.checkpoint;
  const step = run.step;
  const effect = controlEffect(pending.control, { step, paused: cp.paused !== null, switched: cp.switched });
  switch (effect.effect) {
    case "pause": {
      const remainingMs = step?.type === "pause" ? Math.max(0, step.seconds * 1000 - run.elapsedInStepMs()) : null;
      cp.paused = { remainingMs, since: new Date(run.now()).toISOString() };
      await run.save();
      await run.log.line(`Paused (${pending.requestedBy}): the rollout holds until Resume, Promote or Abort`);
      await run.report("Paused");
      return undefined;
    }
    case "resume": {
      const remaining = cp.paused?.remainingMs;
      if (step?.type === "pause" && remaining !== null && remaining !== undefined) {
        // Restart the countdown where it stopped: the step "started" that much earlier than now.
        cp.stepStartedAt = new Date(run.now() - (step.seconds * 1000 - remaining)).toISOString();
      }
      cp.paused = null;
      await run.save();
      await run.log.line(`Resumed (${pending.requestedBy})`);
      return undefined;
    }
    case "advance":
      // Only a canary waiting at its approval step gets here (controlEffect ignores it elsewhere).
      await run.log.line(`Promoted to the next step (${pending.requestedBy})`);
      return { kind: "next" };
    case "promote":
      return { kind: "promote", by: pending.requestedBy };
    case "rollback":
      return { kind: "rollback", reason: `aborted (${pending.requestedBy})` };
    case "ignore":
      await run.log.line(`Ignored ${pending.control}: ${effect.reason}`);
      return undefined;
  }
}
