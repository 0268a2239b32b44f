import { z } from "zod";
import { optionalNumberField, type NumberBounds } from "./numberField.js";
import type { OperationControl } from "./operation.js";
import type { UpdateStrategy } from "./strategy.js";

/**
 * How a new model version is rolled out: the options of each strategy (with defaults), the plan
 * as an explicit list of steps, and the pure decision taken at each gate. Modelled on Argo
 * Rollouts and Flagger: a canary is a list of setWeight / pause / analysis steps, and failed
 * analysis aborts to the stable version. Nothing here talks to a cluster or a clock.
 */

export const MAX_CANARY_STEPS = 10;
export const DEFAULT_CANARY_STEPS: readonly number[] = [10, 25, 50, 100];

/**
 * A rolling-update bound as Kubernetes takes it: a pod count or a percentage of the replicas.
 * Blank means "the zero-downtime default", resolved against the deployment by `rollingParameters`.
 */
const surgeValueSchema = z.preprocess(
  (value) => {
    if (typeof value !== "string") return value;
    const trimmed = value.trim();
    if (trimmed === "") return undefined;
    return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  },
  z
    .union([
      z.number().int().min(0).max(100),
      z.string().regex(/^(100|[1-9]?\d)%$/, { error: "Use a pod count (e.g. 1) or a percentage (e.g. 25%)." }),
    ])
    .optional(),
);

export const rollingOptionsSchema = z
  .object({ maxSurge: surgeValueSchema, maxUnavailable: surgeValueSchema })
  .superRefine((options, ctx) => {
    if (isZero(options.maxSurge) && isZero(options.maxUnavailable)) {
      ctx.addIssue({
        code: "custom",
        path: ["maxUnavailable"],
        message: "Max surge and max unavailable cannot both be 0: the rollout could never replace a pod.",
      });
    }
  });
export type RollingOptions = z.output<typeof rollingOptionsSchema>;

export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 600;

/** Bounds of the strategies' numeric options: the option schemas and the Update Model form both read them. */
export const STRATEGY_OPTION_BOUNDS = {
  scaleDownDelaySeconds: { min: 0, max: 86_400, integer: true, unit: "seconds" },
  pauseSeconds: { min: 0, max: 86_400, integer: true, unit: "seconds" },
  maxErrorRatePercent: { min: 0, max: 100, integer: false, unit: "%" },
  maxP99LatencyMs: { min: 1, max: 600_000, integer: true, unit: "ms" },
} as const satisfies Record<string, NumberBounds>;

export const blueGreenOptionsSchema = z.object({
  scaleDownDelaySeconds: optionalNumberField("Keep old version", STRATEGY_OPTION_BOUNDS.scaleDownDelaySeconds).transform(
    (value) => value ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS,
  ),
});
export type BlueGreenOptions = z.output<typeof blueGreenOptionsSchema>;

export const DEFAULT_CANARY_PAUSE_SECONDS = 60;
export const DEFAULT_MAX_ERROR_RATE_PERCENT = 1;
export const DEFAULT_MAX_P99_LATENCY_MS = 500;

/** "10, 25, 50" or "10 -> 25 -> 50" or an array: strictly increasing whole percentages, ending at 100. */
const canaryStepsSchema = z.preprocess(
  (value) => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return value;
    const words = value.split(/[\s,;>%-]+/).filter((word) => word.length > 0);
    if (words.length === 0) return undefined;
    return words.map((word) => (/^\d+$/.test(word) ? Number(word) : word));
  },
  z
    .array(z.number({ error: "Canary steps are whole percentages, e.g. 10, 25, 50, 100." }).int({ error: "Canary steps are whole percentages." }))
    .min(1, { error: "Give at least one canary step, e.g. 10, 25, 50, 100." })
    .optional()
    .transform((steps, ctx) => {
      const list = steps ?? [...DEFAULT_CANARY_STEPS];
      const withFinal = list[list.length - 1] === 100 ? list : [...list, 100];
      const valid = withFinal.every((step, index) => step >= 1 && step <= 100 && (index === 0 || step > (withFinal[index - 1] ?? 0)));
      if (!valid) {
        ctx.addIssue({ code: "custom", message: "Canary steps must rise from 1 to 100, e.g. 10, 25, 50, 100." });
        return z.NEVER;
      }
      if (withFinal.length > MAX_CANARY_STEPS) {
        ctx.addIssue({ code: "custom", message: `At most ${MAX_CANARY_STEPS} canary steps.` });
        return z.NEVER;
      }
      return withFinal;
    }),
);

export const canaryOptionsSchema = z.object({
  steps: canaryStepsSchema,
  pauseSeconds: optionalNumberField("Pause per step", STRATEGY_OPTION_BOUNDS.pauseSeconds).transform(
    (value) => value ?? DEFAULT_CANARY_PAUSE_SECONDS,
  ),
  maxErrorRatePercent: optionalNumberField("Max error rate", STRATEGY_OPTION_BOUNDS.maxErrorRatePercent).transform(
    (value) => value ?? DEFAULT_MAX_ERROR_RATE_PERCENT,
  ),
  maxP99LatencyMs: optionalNumberField("Max p99 latency", STRATEGY_OPTION_BOUNDS.maxP99LatencyMs).transform(
    (value) => value ?? DEFAULT_MAX_P99_LATENCY_MS,
  ),
  /** Set by the environment's rules, never by the form: each healthy step waits for an approver. */
  stepApproval: z.boolean().optional(),
});
export type CanaryOptions = z.output<typeof canaryOptionsSchema>;

/** What a rollout was asked to do: an update with its strategy's options, or a rollback to a revision. */
export const strategyChoiceSchema = z.discriminatedUnion("strategy", [
  z.object({ strategy: z.literal("rolling"), options: rollingOptionsSchema }),
  z.object({ strategy: z.literal("blue-green"), options: blueGreenOptionsSchema }),
  z.object({ strategy: z.literal("canary"), options: canaryOptionsSchema }),
  z.object({ strategy: z.literal("rollback"), options: z.object({ toRevision: z.number().int().min(1) }) }),
]);
export type StrategyChoice = z.output<typeof strategyChoiceSchema>;
/** The choice of an update (every strategy but a rollback). */
export type StrategyOptions = Exclude<StrategyChoice, { strategy: "rollback" }>;

export type OptionsParse = { ok: true; value: StrategyOptions } | { ok: false; errors: { path: string; message: string }[] };

/** Validates one strategy's options (modal strings or stored numbers); errors carry the option name as path. */
export function parseStrategyOptions(strategy: UpdateStrategy, input: unknown): OptionsParse {
  const source = input ?? {};
  const result =
    strategy === "rolling"
      ? rollingOptionsSchema.safeParse(source)
      : strategy === "blue-green"
        ? blueGreenOptionsSchema.safeParse(source)
        : canaryOptionsSchema.safeParse(source);
  if (!result.success) {
    const seen = new Set<string>();
    const errors: { path: string; message: string }[] = [];
    for (const issue of result.error.issues) {
      // Options are flat: "steps.2" is still the steps field the form shows.
      const path = String(issue.path[0] ?? "");
      if (seen.has(path)) continue;
      seen.add(path);
      errors.push({ path, message: issue.message });
    }
    return { ok: false, errors };
  }
  return { ok: true, value: { strategy, options: result.data } as StrategyOptions };
}

/** Options with every default applied; used when a command names no options. */
export function defaultStrategyOptions(strategy: UpdateStrategy): StrategyOptions {
  const parsed = parseStrategyOptions(strategy, {});
  if (!parsed.ok) throw new Error(`default ${strategy} options do not validate`);
  return parsed.value;
}

function isZero(value: number | string | undefined): boolean {
  return value === 0 || value === "0%";
}

export interface RollingParameters {
  maxSurge: number | string;
  maxUnavailable: number | string;
}

/**
 * Zero downtime means never fewer ready pods than desired: surge new pods first, take none away
 * early. GPU nodes rarely have a spare GPU for a surge pod (it would sit Pending until the progress
 * deadline), so with GPUs one old pod is freed first instead. The renderer takes these as its defaults too.
 */
export function rollingParameters(options: RollingOptions, context: { gpus: boolean }): RollingParameters {
  const defaults: RollingParameters = context.gpus ? { maxSurge: 0, maxUnavailable: 1 } : { maxSurge: "25%", maxUnavailable: 0 };
  const chosen = { maxSurge: options.maxSurge ?? defaults.maxSurge, maxUnavailable: options.maxUnavailable ?? defaults.maxUnavailable };
  // Filling in one default must not produce the impossible 0/0 pair.
  if (isZero(chosen.maxSurge) && isZero(chosen.maxUnavailable)) {
    return options.maxSurge === undefined ? { ...chosen, maxSurge: 1 } : { ...chosen, maxUnavailable: 1 };
  }
  return chosen;
}

/** Whether these parameters keep every desired pod serving during the update. */
export function isZeroDowntime(parameters: RollingParameters): boolean {
  return isZero(parameters.maxUnavailable);
}

/**
 * How long the bot follows a rollout before giving up on it. Kubernetes marks a rollout failed at
 * its progress deadline; a controller that never reports gets up to a minute longer (no more than
 * the deadline itself, so a short deadline stays short).
 */
export function rolloutDeadlineMs(progressDeadlineSeconds: number): number {
  return (progressDeadlineSeconds + Math.min(60, progressDeadlineSeconds)) * 1000;
}

// ------------------------------------------------------------------------------------ the plan

/**
 * One step of a rollout. `deploy-new` brings the new version up in the idle slot at full size;
 * `set-weight` sizes the canary and sends it `weight`% of requests; `switch` sends everything to
 * the new slot and makes it the active one; `hold` keeps the old slot warm so that a rollback is
 * one switch; `retire-old` removes it.
 */
export type RolloutStep =
  | { type: "update-in-place" }
  | { type: "deploy-new" }
  | { type: "wait-ready" }
  | { type: "set-weight"; weight: number }
  | { type: "pause"; seconds: number }
  | { type: "analysis" }
  | { type: "switch" }
  | { type: "hold"; seconds: number }
  | { type: "await-approval" }
  | { type: "retire-old" };

export function rolloutPlan(choice: StrategyChoice): RolloutStep[] {
  switch (choice.strategy) {
    case "rollback":
      return rollbackPlan();
    case "rolling":
      return [{ type: "update-in-place" }, { type: "wait-ready" }];
    case "blue-green": {
      const hold: RolloutStep[] = choice.options.scaleDownDelaySeconds > 0 ? [{ type: "hold", seconds: choice.options.scaleDownDelaySeconds }] : [];
      return [{ type: "deploy-new" }, { type: "wait-ready" }, { type: "switch" }, ...hold, { type: "retire-old" }];
    }
    case "canary": {
      const steps: RolloutStep[] = [];
      for (const weight of choice.options.steps) {
        if (weight === 100) break;
        steps.push({ type: "set-weight", weight }, { type: "wait-ready" });
        if (choice.options.pauseSeconds > 0) steps.push({ type: "pause", seconds: choice.options.pauseSeconds });
        steps.push({ type: "analysis" });
        if (choice.options.stepApproval === true) steps.push({ type: "await-approval" });
      }
      return [...steps, { type: "deploy-new" }, { type: "wait-ready" }, { type: "switch" }, { type: "retire-old" }];
    }
  }
}

/** The plan a rollback follows: bring the earlier version up beside the current one, then switch. */
export function rollbackPlan(): RolloutStep[] {
  return [{ type: "deploy-new" }, { type: "wait-ready" }, { type: "switch" }, { type: "retire-old" }];
}

/** "step 3 of 9: pause 60 s", for the progress message. */
export function describeStep(step: RolloutStep): string {
  switch (step.type) {
    case "update-in-place":
      return "update pods in place";
    case "deploy-new":
      return "start new version";
    case "wait-ready":
      return "wait until ready";
    case "set-weight":
      return `send ${step.weight}% of traffic to the canary`;
    case "pause":
      return `pause ${step.seconds} s`;
    case "analysis":
      return "check canary health";
    case "switch":
      return "switch all traffic";
    case "hold":
      return `keep old version ${step.seconds} s for quick rollback`;
    case "await-approval":
      return "wait for an approver to promote to the next step";
    case "retire-old":
      return "remove old version";
  }
}

// ------------------------------------------------------------------------------- the decisions

export interface ReadinessObservation {
  readyReplicas: number;
  desiredReplicas: number;
  /** Set when Kubernetes reports the rollout failed (ProgressDeadlineExceeded) or readiness failed. */
  failure?: string;
}

export type MetricsObservation =
  | { kind: "not-configured" }
  | { kind: "unavailable"; reason: string }
  /** null: the query answered with no sample (no traffic yet, or no such series). */
  | { kind: "measured"; errorRatePercent: number | null; p99LatencyMs: number | null };

export interface AnalysisObservation {
  readiness: ReadinessObservation;
  metrics: MetricsObservation;
}

export interface AnalysisThresholds {
  maxErrorRatePercent: number;
  maxP99LatencyMs: number;
}

export type AnalysisDecision =
  | { action: "advance"; summary: string }
  | { action: "hold"; reason: string }
  | { action: "rollback"; reason: string; metrics?: { errorRatePercent: number | null; p99LatencyMs: number | null } };

function formatNumber(value: number): string {
  return String(Math.abs(value) >= 100 ? Math.round(value) : Number(value.toFixed(2)));
}

/** "error rate 0.4% (max 1%), p99 212 ms (max 500 ms)". */
export function describeMetrics(metrics: MetricsObservation, thresholds: AnalysisThresholds): string {
  switch (metrics.kind) {
    case "not-configured":
      return "no metrics configured (readiness only)";
    case "unavailable":
      return `metrics unavailable: ${metrics.reason}`;
    case "measured": {
      const errorRate = metrics.errorRatePercent === null ? "error rate: no data" : `error rate ${formatNumber(metrics.errorRatePercent)}%`;
      const latency = metrics.p99LatencyMs === null ? "p99: no data" : `p99 ${formatNumber(metrics.p99LatencyMs)} ms`;
      return `${errorRate} (max ${formatNumber(thresholds.maxErrorRatePercent)}%), ${latency} (max ${formatNumber(thresholds.maxP99LatencyMs)} ms)`;
    }
  }
}

/**
 * The canary gate. A failed rollout or a metric over its threshold rolls back at once: a bad
 * model should see as little traffic as possible. A canary still starting, or metrics with no
 * data yet, holds the step; the executor bounds how long it may hold.
 */
export function decideAnalysis(observation: AnalysisObservation, thresholds: AnalysisThresholds): AnalysisDecision {
  const { readiness, metrics } = observation;
  if (readiness.failure) {
    return { action: "rollback", reason: `canary readiness failed: ${readiness.failure} (${readiness.readyReplicas}/${readiness.desiredReplicas} ready)` };
  }
  if (metrics.kind === "measured") {
    const over: string[] = [];
    if (metrics.errorRatePercent !== null && metrics.errorRatePercent > thresholds.maxErrorRatePercent) {
      over.push(`error rate ${formatNumber(metrics.errorRatePercent)}% is over the ${formatNumber(thresholds.maxErrorRatePercent)}% threshold`);
    }
    if (metrics.p99LatencyMs !== null && metrics.p99LatencyMs > thresholds.maxP99LatencyMs) {
      over.push(`p99 latency ${formatNumber(metrics.p99LatencyMs)} ms is over the ${formatNumber(thresholds.maxP99LatencyMs)} ms threshold`);
    }
    if (over.length > 0) {
      return {
        action: "rollback",
        reason: `canary ${over.join(" and ")}`,
        metrics: { errorRatePercent: metrics.errorRatePercent, p99LatencyMs: metrics.p99LatencyMs },
      };
    }
  }
  if (readiness.readyReplicas < readiness.desiredReplicas) {
    return { action: "hold", reason: `canary ${readiness.readyReplicas}/${readiness.desiredReplicas} ready` };
  }
  if (metrics.kind === "unavailable") return { action: "hold", reason: describeMetrics(metrics, thresholds) };
  if (metrics.kind === "measured" && (metrics.errorRatePercent === null || metrics.p99LatencyMs === null)) {
    return { action: "hold", reason: `waiting for canary metrics: ${describeMetrics(metrics, thresholds)}` };
  }
  return { action: "advance", summary: `healthy: ${readiness.readyReplicas}/${readiness.desiredReplicas} ready, ${describeMetrics(metrics, thresholds)}` };
}

/** A canary may hold at one analysis at most this many times in a row before it is rolled back. */
export const MAX_ANALYSIS_HOLDS = 10;


export type ControlEffect =
  | { effect: "pause" }
  | { effect: "resume" }
  /** Skip the remaining canary steps (and the analysis): go straight to full size and switch. */
  | { effect: "promote" }
  /** An approver lets a canary waiting at its step go on to the next one. */
  | { effect: "advance" }
  | { effect: "rollback"; reason: string }
  | { effect: "ignore"; reason: string };

/**
 * What a user's button does at a given point. Promoting after the switch, pausing a paused
 * rollout or resuming a running one changes nothing: a double click is harmless.
 */
export function controlEffect(control: OperationControl, state: { step: RolloutStep | undefined; paused: boolean; switched: boolean }): ControlEffect {
  switch (control) {
    case "pause":
      if (state.paused) return { effect: "ignore", reason: "already paused" };
      if (state.switched) return { effect: "ignore", reason: "traffic is already on the new version" };
      return { effect: "pause" };
    case "resume":
      return state.paused ? { effect: "resume" } : { effect: "ignore", reason: "not paused" };
    case "promote":
      // During a blue-green hold, promoting means "keep the new version, remove the old one now".
      if (state.switched && state.step?.type !== "hold") return { effect: "ignore", reason: "already promoted" };
      return { effect: "promote" };
    case "abort":
      if (state.step?.type === "retire-old") return { effect: "ignore", reason: "the old version is already being removed" };
      return { effect: "rollback", reason: "aborted" };
    case "advance":
      return state.step?.type === "await-approval" ? { effect: "advance" } : { effect: "ignore", reason: "the canary is not waiting for an approver" };
  }
}
