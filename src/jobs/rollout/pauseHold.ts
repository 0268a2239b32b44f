import { DEFAULT_MAX_PAUSE_MS } from "./dependencies.js";
import type { RolloutRun, StepOutcome } from "./run.js";

/**
 * A paused rollout waits without holding a worker slot: it shows its state, then parks the job
 * until the pause cap (a click wakes it sooner, see OperationQueue.wake). A pause older than
 * the cap ends in a rollback: nobody decided, so the version that served before comes back.
 */
export async function holdPaused(run: RolloutRun, detail: string, report: () => Promise<void> = () => run.report(detail)): Promise<StepOutcome> {
  const paused = run.checkpoint.paused;
  if (!paused) throw new Error("holdPaused is only for a paused rollout");
  const maxPauseMs = run.deps.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
  if (!paused.since) {
    // A pause from before the cap existed: it counts from now.
    paused.since = new Date(run.now()).toISOString();
    await run.save();
  }
  const capAt = Date.parse(paused.since) + maxPauseMs;
  if (run.now() >= capAt) {
    return { kind: "rollback", reason: `paused for longer than ${Math.round(maxPauseMs / 3600_000)} h without Resume, Promote or Abort` };
  }
  await report();
  return run.park(capAt, detail);
}
