import { canarySplit } from "../../domain/canarySplit.js";
import { MAX_ANALYSIS_HOLDS, decideAnalysis, type RolloutStep } from "../../domain/rolloutPlan.js";
import { OperationFailure } from "../operationFailure.js";
import { takeControl } from "./controls.js";
import { holdPaused } from "./pauseHold.js";
import type { RolloutRun, StepOutcome } from "./run.js";

/**
 * Canary: the new version takes a growing share of traffic, one step at a time. Each step sizes
 * the canary for its share (and, with Istio, sets exact weights), waits until it is ready, lets
 * it serve for the pause while watching its readiness, then checks its health: readiness, and
 * error rate and p99 latency when Prometheus is configured. Healthy advances; anything over a
 * threshold rolls back at once, with the numbers.
 */

function canaryOptions(run: RolloutRun) {
  const choice = run.checkpoint.choice;
  if (choice.strategy !== "canary") throw new OperationFailure(`A ${choice.strategy} rollout has no canary steps.`);
  return choice.options;
}

function routingWords(run: RolloutRun): string {
  return run.weighted ? "exact, Istio weights" : "replica ratio behind the Service";
}

export async function setCanaryWeight(run: RolloutRun, step: Extract<RolloutStep, { type: "set-weight" }>): Promise<StepOutcome> {
  const cp = run.checkpoint;
  const split = canarySplit(step.weight, {
    stableReplicas: cp.baseReplicas,
    exactWeights: run.weighted,
    // An HPA owns the stable slot's replica count: shrinking it would be undone, so it is not tried.
    canShrinkStable: !run.deployment.spec.scaling.autoscalingEnabled,
  });
  cp.weight = step.weight;
  cp.sharePercent = split.sharePercent;
  cp.newReplicas = split.canaryReplicas;
  cp.oldReplicas = split.stableReplicas;
  await run.save();
  await run.apply();
  const pods = `${split.canaryReplicas} canary / ${split.stableReplicas} stable pods`;
  const asked = split.sharePercent === step.weight ? "" : ` (step asks ${step.weight}%)`;
  await run.log.line(`Canary ${cp.toVersion} gets ${split.sharePercent}% of traffic${asked}: ${pods}, ${routingWords(run)}`);
  return { kind: "next" };
}

/** Lets the canary serve for the step's pause; a canary that stops being ready ends it early with a rollback. */
export async function pauseStep(run: RolloutRun, step: Extract<RolloutStep, { type: "pause" }>): Promise<StepOutcome> {
  const cp = run.checkpoint;
  for (;;) {
    const signal = await takeControl(run);
    if (signal) return signal;
    const ready = await run.observe(cp.toSlot, true);
    if (ready.failure) {
      return { kind: "rollback", reason: `canary readiness failed: ${ready.failure} (${ready.readyReplicas}/${ready.desiredReplicas} ready)` };
    }
    const remainingMs = cp.paused ? (cp.paused.remainingMs ?? step.seconds * 1000) : step.seconds * 1000 - run.elapsedInStepMs();
    if (!cp.paused && remainingMs <= 0) return { kind: "next" };
    // A fixed time, not a countdown: the message changes only when something does (chat.update is rate limited).
    const detail = cp.paused
      ? `Paused at ${cp.sharePercent}% with ${Math.ceil(remainingMs / 1000)} s of this step left`
      : `Canary serving ${cp.sharePercent}%: health check at ${new Date(Date.parse(cp.stepStartedAt) + step.seconds * 1000).toISOString().slice(11, 19)} UTC`;
    if (cp.paused) return holdPaused(run, detail, () => run.report(detail, { ready }));
    await run.report(detail, { ready });
    await run.waitInStep(remainingMs, detail);
  }
}

export async function analyseCanary(run: RolloutRun): Promise<StepOutcome> {
  const cp = run.checkpoint;
  const options = canaryOptions(run);
  const thresholds = { maxErrorRatePercent: options.maxErrorRatePercent, maxP99LatencyMs: options.maxP99LatencyMs };
  for (;;) {
    const signal = await takeControl(run);
    if (signal) return signal;
    const readiness = await run.observe(cp.toSlot, true);
    const metrics = await run.deps.metrics.measure(
      {
        namespace: run.deployment.namespace,
        deployment: run.deployment.name,
        slot: cp.toSlot,
        workload: run.kubernetesName(cp.toSlot),
        // Rates need a few scrapes to mean anything: at least 30 s, at most the last 10 minutes.
        windowSeconds: Math.min(600, Math.max(30, options.pauseSeconds)),
      },
      run.context.signal,
    );
    const decision = decideAnalysis({ readiness, metrics }, thresholds);
    if (decision.action === "advance") {
      cp.lastHealth = decision.summary;
      cp.analysisHolds = 0;
      await run.save();
      await run.log.line(`Canary at ${cp.sharePercent}% is ${decision.summary}`);
      return { kind: "next" };
    }
    if (decision.action === "rollback") {
      return { kind: "rollback", reason: decision.reason, ...(decision.metrics ? { metrics: decision.metrics } : {}) };
    }
    cp.analysisHolds += 1;
    cp.lastHealth = decision.reason;
    await run.save();
    if (cp.analysisHolds > MAX_ANALYSIS_HOLDS) {
      return { kind: "rollback", reason: `canary health could not be confirmed after ${MAX_ANALYSIS_HOLDS} checks: ${decision.reason}` };
    }
    await run.log.line(`Holding at ${cp.sharePercent}%: ${decision.reason} (check ${cp.analysisHolds} of ${MAX_ANALYSIS_HOLDS})`);
    await run.report(`Holding at ${cp.sharePercent}%: ${decision.reason}`, { ready: readiness });
    await run.sleep(run.pollIntervalMs * 5);
  }
}
