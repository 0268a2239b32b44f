import type { RolloutStep } from "../../domain/rolloutPlan.js";
import { takeControl } from "./controls.js";
import type { RolloutRun, StepOutcome } from "./run.js";

/**
 * Blue-green: the new version starts beside the old one, traffic switches all at once when it is
 * fully ready (the shared slot steps), and the old version is held warm for the scale-down delay
 * so that rolling back is one switch. The hold watches the new version: if it stops being ready
 * under real traffic, the bot switches back by itself. Promote ends the hold early.
 */
export async function holdOldVersion(run: RolloutRun, step: Extract<RolloutStep, { type: "hold" }>): Promise<StepOutcome> {
  const cp = run.checkpoint;
  const holdMs = step.seconds * 1000;
  // A job that woke from parking in this hold announced it before it parked.
  let announced = run.woke;
  for (;;) {
    const signal = await takeControl(run);
    if (signal) return signal;
    const ready = await run.observe(cp.toSlot, true);
    if (ready.failure) {
      return { kind: "rollback", reason: `${cp.toVersion} stopped being ready after the switch: ${ready.failure} (${ready.readyReplicas}/${ready.desiredReplicas} ready)` };
    }
    const remainingMs = holdMs - run.elapsedInStepMs();
    if (remainingMs <= 0) return { kind: "next" };
    const until = new Date(Date.parse(cp.stepStartedAt) + holdMs).toISOString().slice(11, 16);
    if (!announced) {
      await run.log.line(`Keeping ${cp.fromVersion} (${run.kubernetesName(cp.fromSlot)}) until ${until} UTC: Abort switches back at once`);
      announced = true;
    }
    const detail = `All traffic on ${cp.toVersion}; ${cp.fromVersion} kept until ${until} UTC for a quick rollback`;
    await run.report(detail, { ready });
    await run.waitInStep(remainingMs, detail);
  }
}
