import { takeControl } from "./controls.js";
import type { RolloutRun, StepOutcome } from "./run.js";

/**
 * Where an environment asks for it, a healthy canary step waits here for a person: an approver
 * presses "Promote to next step" (Abort still rolls back). The canary keeps its share meanwhile.
 */
export async function awaitApproval(run: RolloutRun): Promise<StepOutcome> {
  let announced = false;
  for (;;) {
    const signal = await takeControl(run);
    if (signal) return signal;
    if (!announced) {
      await run.log.line(`Canary at ${run.checkpoint.sharePercent}% is healthy: waiting for an approver to promote it to the next step`);
      announced = true;
    }
    await run.report(`Waiting for an approver: the canary holds ${run.checkpoint.sharePercent}% until "Promote to next step"`);
    await run.sleep(run.pollIntervalMs);
  }
}
