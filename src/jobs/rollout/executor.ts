import { describeMetrics, describeStep, rolloutPlan, type RolloutStep } from "../../domain/rolloutPlan.js";
import type { RunResult, OperationRunContext } from "../runContext.js";
import { OperationFailure, messageOf } from "../operationFailure.js";
import type { ModelUpdateDependencies } from "./dependencies.js";
import { readCheckpoint } from "../../domain/rolloutCheckpoint.js";
import { fenceOf } from "../../domain/runFence.js";
import { awaitApproval } from "./approvalSteps.js";
import { podCause } from "../podCause.js";
import { takeControl } from "./controls.js";
import { rollBack } from "./rollback.js";
import { RolloutRun, type StepOutcome, type StepRunner } from "./run.js";
import { deployNew, promotionIndex, retireOld, switchTraffic, waitReady } from "./slotSteps.js";
import { holdOldVersion } from "./blueGreenSteps.js";
import { holdPaused } from "./pauseHold.js";
import { analyseCanary, pauseStep, setCanaryWeight } from "./canarySteps.js";
import { updateInPlace } from "./rollingSteps.js";

/**
 * Runs a rollout plan step by step from its checkpoint. After each step the checkpoint moves
 * on and is saved; a job that resumes (new worker, retry) starts at the saved step, with the
 * time already spent in it counted. A step that asks for a rollback switches the loop to the
 * rollback phases; the operation then ends as failed with the reason, the old version serving.
 */

const STEP_RUNNERS: { [Type in RolloutStep["type"]]: (run: RolloutRun, step: Extract<RolloutStep, { type: Type }>) => Promise<StepOutcome> } = {
  "update-in-place": updateInPlace,
  "deploy-new": deployNew,
  "wait-ready": waitReady,
  "set-weight": setCanaryWeight,
  pause: pauseStep,
  analysis: analyseCanary,
  switch: switchTraffic,
  hold: holdOldVersion,
  "await-approval": awaitApproval,
  "retire-old": retireOld,
};

function runnerFor(step: RolloutStep): StepRunner {
  return STEP_RUNNERS[step.type] as StepRunner;
}

export async function executeRollout(run: RolloutRun, resumed: boolean): Promise<RunResult> {
  try {
    if (resumed) {
      const step = run.step;
      await run.log.line(
        run.checkpoint.rollback
          ? `Resumed the rollback where it stopped (${run.checkpoint.rollback.phase})`
          : `Resumed at step ${run.checkpoint.stepIndex + 1}/${run.plan.length}${step ? ` (${describeStep(step)})` : ""} where it stopped`,
      );
    }
    for (;;) {
      const cp = run.checkpoint;
      if (cp.rollback) return await endWithRollback(run);
      const step = run.step;
      if (!step) return await endPromoted(run);
      if (cp.paused && step.type !== "pause") {
        // A paused rollout holds between steps: traffic stays where it is until a button says otherwise.
        const signal = await takeControl(run);
        if (signal) await advance(run, signal);
        // Resume was the click: the step runs next, and shows itself again in place of "Paused".
        else if (!run.checkpoint.paused) run.woke = false;
        else await advance(run, await holdPaused(run, `Paused before: ${describeStep(step)}`));
        continue;
      }
      // A job that woke in this step shows what it showed when it parked: no "Step" edit in between.
      if (!run.woke) await run.report(`Step ${cp.stepIndex + 1}/${run.plan.length}: ${describeStep(step)}`);
      await advance(run, await runnerFor(step)(run, step));
    }
  } finally {
    // On shutdown the pending lines still get one attempt; the job resumes elsewhere.
    const flushed = run.log.flush();
    if (!run.context.signal.aborted) await flushed;
  }
}

async function advance(run: RolloutRun, outcome: StepOutcome): Promise<void> {
  const cp = run.checkpoint;
  run.woke = false;
  const now = new Date(run.now()).toISOString();
  switch (outcome.kind) {
    case "next":
      cp.stepIndex += 1;
      cp.stepStartedAt = now;
      cp.analysisHolds = 0;
      await run.save();
      return;
    case "promote": {
      const target = promotionIndex(run.plan, cp.stepIndex, run.step?.type);
      if (target === null) {
        await run.log.line(`Ignored promote (${outcome.by}): already promoting`);
        return;
      }
      cp.stepIndex = target;
      cp.stepStartedAt = now;
      cp.paused = null;
      cp.promotedBy = outcome.by;
      await run.save();
      await run.log.line(`Promoted (${outcome.by}): skipping to ${describeStep(run.plan[target] ?? { type: "retire-old" })}`);
      return;
    }
    case "rollback": {
      // A rollout stopped by its pods (not by its metrics) says why the pods failed, and what to do.
      const reason = outcome.metrics ? outcome.reason : `${outcome.reason}${await podCause(run.context)}`;
      cp.rollback = { reason, ...(outcome.metrics ? { metrics: outcome.metrics } : {}), phase: "restore", startedAt: now };
      cp.paused = null;
      await run.save();
      await run.log.line(`Rolling back to ${cp.fromVersion}: ${outcome.reason}`);
      return;
    }
  }
}

function rollbackSummary(run: RolloutRun): string {
  const rollback = run.checkpoint.rollback;
  if (!rollback) return "";
  const metrics = rollback.metrics
    ? `; measured ${describeMetrics({ kind: "measured", ...rollback.metrics }, thresholdsOf(run))}`
    : "";
  return `${rollback.reason}${metrics}`;
}

function thresholdsOf(run: RolloutRun): { maxErrorRatePercent: number; maxP99LatencyMs: number } {
  const choice = run.checkpoint.choice;
  return choice.strategy === "canary"
    ? { maxErrorRatePercent: choice.options.maxErrorRatePercent, maxP99LatencyMs: choice.options.maxP99LatencyMs }
    : { maxErrorRatePercent: 0, maxP99LatencyMs: 0 };
}

/** Finishes a rollback and reports it; always throws, so the operation ends as failed with the reason. */
async function endWithRollback(run: RolloutRun): Promise<never> {
  throw new OperationFailure((await finishRollback(run)).message);
}

async function finishRollback(run: RolloutRun): Promise<{ removed: string[]; failure?: string; message: string }> {
  const cp = run.checkpoint;
  const result = await rollBack(run);
  await run.deps.revisions.finish(fenceOf(run.context.operation), result.failure ? "failed" : "rolled-back");
  const why = rollbackSummary(run);
  const isRollbackOperation = cp.choice.strategy === "rollback";
  const message = result.failure
    ? `${isRollbackOperation ? "Rollback" : "Update"} to ${cp.toVersion} failed (${why}) and ${cp.fromVersion} could not be restored: ${result.failure}`
    : isRollbackOperation
      ? `Rollback to ${cp.toVersion} did not complete: ${why}. Still serving ${cp.fromVersion}.`
      : `Rolled back to ${cp.fromVersion}: ${why}`;
  const restored = await run.observe(cp.fromSlot, true);
  await run.report(message, {
    ready: restored,
    readySlot: "old",
    extra: { outcome: result.failure ? "failed" : "rolled-back", outcomeReason: result.failure ? message : why, controls: [], newTrafficPercent: 0 },
  });
  run.log.outcome(`${result.failure ? ":red_circle:" : ":leftwards_arrow_with_hook:"} ${message}`);
  return { removed: result.removed, ...(result.failure ? { failure: result.failure } : {}), message };
}

async function endPromoted(run: RolloutRun): Promise<RunResult> {
  const cp = run.checkpoint;
  if (run.deployment.activeSlot !== cp.toSlot || run.deployment.spec.modelVersion !== cp.toVersion) {
    await run.recordServing(cp.toSlot, cp.toVersion);
  }
  await run.deps.revisions.finish(fenceOf(run.context.operation), "promoted");
  const ready = await run.observe(cp.toSlot, true);
  const counts = `${ready.readyReplicas}/${ready.desiredReplicas} ready`;
  const choice = cp.choice;
  const how =
    choice.strategy === "rollback"
      ? `rolled back to revision ${choice.options.toRevision}`
      : choice.strategy === "canary"
        ? `canary ${choice.options.steps.join("% → ")}%${cp.promotedBy ? `, promoted early (${cp.promotedBy})` : ""}`
        : choice.strategy === "blue-green"
          ? `blue-green${cp.promotedBy ? `, old version removed early (${cp.promotedBy})` : ""}`
          : "rolling update";
  const detail = `*${run.deployment.name}* now serves \`${run.deployment.spec.modelId}@${cp.toVersion}\` (${how}): ${counts}`;
  await run.report(detail, { ready, extra: { outcome: "promoted", controls: [], newTrafficPercent: 100 } });
  run.log.outcome(`:white_check_mark: ${detail}`);
  return { detail, readyReplicas: ready.readyReplicas, desiredReplicas: ready.desiredReplicas };
}

/**
 * Undo for an operation that ended without the executor deciding it (an unexpected error, or
 * the queue giving up on a job): finish or start the rollback from the saved checkpoint so the
 * deployment is never left half-switched. Returns what it removed.
 */
export async function compensateRollout(context: OperationRunContext, deps: ModelUpdateDependencies, error: unknown): Promise<string[]> {
  const latest = await deps.operations.get(context.operation.id);
  const checkpoint = readCheckpoint(latest?.checkpoint ?? null);
  if (!checkpoint) {
    // Nothing was applied before the first checkpoint: there is nothing to undo.
    await deps.revisions.finish(fenceOf(context.operation), "failed");
    return [];
  }
  if (checkpoint.rollback?.phase === "done") return [];
  checkpoint.rollback ??= { reason: messageOf(error), phase: "restore", startedAt: new Date().toISOString() };
  const deployment = (await context.deployments.get(context.deployment.id)) ?? context.deployment;
  const run = new RolloutRun(context, deps, checkpoint, rolloutPlan(checkpoint.choice), deployment);
  try {
    await run.save();
    await run.log.line(`Rolling back to ${checkpoint.fromVersion}: ${checkpoint.rollback.reason}`);
    return (await finishRollback(run)).removed;
  } finally {
    await run.log.flush();
  }
}
