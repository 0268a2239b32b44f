import type { RolloutRun } from "./run.js";
import { rolloutDeadlineMs } from "../../domain/rolloutPlan.js";

export interface RollbackResult {
  /** Objects removed, for the message's "Cleaned up" line. */
  removed: string[];
  /** Set when the previous version could not be made ready again. */
  failure?: string;
}

/**
 * Returns a rollout to the version that served before it, in phases saved to the checkpoint so
 * that a worker dying mid-rollback finishes it on resume: send every request back to the old
 * version (restoring its size first), wait until it is ready, then remove the new version. A
 * rolling update instead puts the old version back in place and waits for it.
 */
export async function rollBack(run: RolloutRun): Promise<RollbackResult> {
  const cp = run.checkpoint;
  const removed: string[] = [];
  for (;;) {
    const rollback = cp.rollback;
    if (!rollback) throw new Error("rollBack called without a rollback in the checkpoint");
    switch (rollback.phase) {
      case "restore": {
        cp.paused = null;
        if (!run.inPlace) {
          cp.switched = false;
          cp.oldReplicas = cp.baseReplicas;
        }
        await run.save();
        await run.apply();
        if (run.deployment.activeSlot !== cp.fromSlot || run.deployment.spec.modelVersion !== cp.fromVersion) {
          await run.recordServing(cp.fromSlot, cp.fromVersion);
        }
        await run.log.line(
          run.inPlace
            ? `Restoring ${cp.fromVersion} in place (${run.kubernetesName(cp.fromSlot)})`
            : `All traffic back on ${cp.fromVersion} (${run.kubernetesName(cp.fromSlot)})`,
        );
        rollback.phase = "wait-restored";
        await run.save();
        break;
      }
      case "wait-restored": {
        const problem = await waitRestored(run);
        if (problem) {
          rollback.failure = problem;
          // The new version stays for inspection: removing it would leave nothing that ever served.
          rollback.phase = "done";
          await run.log.line(`Rollback incomplete: ${problem}`);
        } else {
          rollback.phase = run.inPlace ? "done" : "retire-new";
        }
        await run.save();
        break;
      }
      case "retire-new": {
        if (cp.newReplicas !== null) {
          cp.newReplicas = null;
          await run.save();
          await run.apply();
          const name = run.kubernetesName(cp.toSlot);
          removed.push(`Deployment ${name} (${cp.toVersion})`);
          await run.log.line(`Removed ${cp.toVersion} (${name})`);
        }
        rollback.phase = "done";
        await run.save();
        break;
      }
      case "done":
        return { removed, ...(rollback.failure ? { failure: rollback.failure } : {}) };
    }
  }
}

/** Waits for the old version to be fully ready again; returns what went wrong, if anything. */
async function waitRestored(run: RolloutRun): Promise<string | undefined> {
  const cp = run.checkpoint;
  const startedAt = Date.parse(cp.rollback?.startedAt ?? new Date(run.now()).toISOString());
  const deadlineMs = rolloutDeadlineMs(run.context.renderContext.progressDeadlineSeconds);
  const name = run.kubernetesName(cp.fromSlot);
  for (;;) {
    const ready = await run.observe(cp.fromSlot, false);
    const counts = `${ready.readyReplicas}/${ready.desiredReplicas} ready`;
    if (ready.failure) return `${cp.fromVersion} (${name}) failed: ${ready.failure} with ${counts}`;
    if (ready.status.phase === "ready") {
      await run.log.line(`${name}: ${counts} (${cp.fromVersion})`);
      return undefined;
    }
    if (run.now() - startedAt > deadlineMs) return `${cp.fromVersion} (${name}) was not ready after ${Math.round(deadlineMs / 1000)} s (${counts})`;
    await run.report(`Rolling back: waiting for ${name}: ${counts}`, { ready, readySlot: "old" });
    await run.sleep(run.pollIntervalMs);
  }
}
