import { describe, expect, it } from "vitest";
import {
  controlEffect,
  decideAnalysis,
  defaultStrategyOptions,
  describeMetrics,
  isZeroDowntime,
  parseStrategyOptions,
  rollbackPlan,
  rollingParameters,
  rolloutPlan,
  type AnalysisObservation,
} from "../../src/domain/rolloutPlan.js";

const THRESHOLDS = { maxErrorRatePercent: 1, maxP99LatencyMs: 500 };
const READY = { readyReplicas: 2, desiredReplicas: 2 };

function observe(overrides: Partial<AnalysisObservation> = {}): AnalysisObservation {
  return { readiness: READY, metrics: { kind: "measured", errorRatePercent: 0.2, p99LatencyMs: 120 }, ...overrides };
}

describe("strategy options", () => {
  it("fills every default", () => {
    expect(defaultStrategyOptions("blue-green")).toEqual({ strategy: "blue-green", options: { scaleDownDelaySeconds: 600 } });
    expect(defaultStrategyOptions("canary")).toEqual({
      strategy: "canary",
      options: { steps: [10, 25, 50, 100], pauseSeconds: 60, maxErrorRatePercent: 1, maxP99LatencyMs: 500 },
    });
    expect(defaultStrategyOptions("rolling")).toEqual({ strategy: "rolling", options: {} });
  });

  it("reads modal strings, and ends canary steps at 100", () => {
    const parsed = parseStrategyOptions("canary", { steps: "5, 20 -> 60", pauseSeconds: "30", maxErrorRatePercent: "2.5", maxP99LatencyMs: "" });
    expect(parsed).toEqual({ ok: true, value: { strategy: "canary", options: { steps: [5, 20, 60, 100], pauseSeconds: 30, maxErrorRatePercent: 2.5, maxP99LatencyMs: 500 } } });
    expect(parseStrategyOptions("canary", { steps: "10% 25% 50% 100%" })).toMatchObject({ ok: true, value: { options: { steps: [10, 25, 50, 100] } } });
  });

  it("refuses steps that do not rise, are out of range or too many, with the field as path", () => {
    for (const steps of ["25, 10", "0, 50", "10, 10, 50", "150", "1,2,3,4,5,6,7,8,9,10,11", "ten"]) {
      const parsed = parseStrategyOptions("canary", { steps });
      expect(parsed.ok, steps).toBe(false);
      if (!parsed.ok) expect(parsed.errors[0]?.path).toBe("steps");
    }
  });

  it("refuses bad numbers in words", () => {
    expect(parseStrategyOptions("blue-green", { scaleDownDelaySeconds: "-1" })).toEqual({
      ok: false,
      errors: [{ path: "scaleDownDelaySeconds", message: "Keep old version must be at least 0 seconds." }],
    });
    expect(parseStrategyOptions("canary", { maxErrorRatePercent: "lots" })).toMatchObject({ ok: false, errors: [{ path: "maxErrorRatePercent" }] });
    expect(parseStrategyOptions("rolling", { maxSurge: "0", maxUnavailable: "0%" })).toMatchObject({ ok: false, errors: [{ path: "maxUnavailable" }] });
    expect(parseStrategyOptions("rolling", { maxSurge: "lots" })).toMatchObject({ ok: false, errors: [{ path: "maxSurge" }] });
  });
});

describe("rolling parameters", () => {
  it("surge first and take nothing away for zero downtime; with GPUs free one pod first", () => {
    expect(rollingParameters({}, { gpus: false })).toEqual({ maxSurge: "25%", maxUnavailable: 0 });
    expect(isZeroDowntime(rollingParameters({}, { gpus: false }))).toBe(true);
    expect(rollingParameters({}, { gpus: true })).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(rollingParameters({ maxSurge: 2 }, { gpus: false })).toEqual({ maxSurge: 2, maxUnavailable: 0 });
  });

  it("never combines a chosen 0 with a default 0", () => {
    expect(rollingParameters({ maxSurge: 0 }, { gpus: false })).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(rollingParameters({ maxUnavailable: 0 }, { gpus: true })).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });
});

describe("rollout plans", () => {
  it("rolling updates in place and follows it", () => {
    expect(rolloutPlan(defaultStrategyOptions("rolling")).map((s) => s.type)).toEqual(["update-in-place", "wait-ready"]);
  });

  it("blue-green starts the new slot, switches, holds the old one, then removes it", () => {
    expect(rolloutPlan(defaultStrategyOptions("blue-green"))).toEqual([
      { type: "deploy-new" },
      { type: "wait-ready" },
      { type: "switch" },
      { type: "hold", seconds: 600 },
      { type: "retire-old" },
    ]);
    const noHold = parseStrategyOptions("blue-green", { scaleDownDelaySeconds: 0 });
    if (!noHold.ok) throw new Error("valid");
    expect(rolloutPlan(noHold.value).map((s) => s.type)).toEqual(["deploy-new", "wait-ready", "switch", "retire-old"]);
  });

  it("canary sets each weight, waits, pauses and analyses, then promotes", () => {
    const plan = rolloutPlan(defaultStrategyOptions("canary"));
    expect(plan.slice(0, 4)).toEqual([{ type: "set-weight", weight: 10 }, { type: "wait-ready" }, { type: "pause", seconds: 60 }, { type: "analysis" }]);
    expect(plan.filter((s) => s.type === "set-weight").map((s) => (s.type === "set-weight" ? s.weight : 0))).toEqual([10, 25, 50]);
    expect(plan.slice(-4).map((s) => s.type)).toEqual(["deploy-new", "wait-ready", "switch", "retire-old"]);
  });

  it("rollback brings the earlier version up beside the current one and switches", () => {
    expect(rollbackPlan().map((s) => s.type)).toEqual(["deploy-new", "wait-ready", "switch", "retire-old"]);
  });
});

describe("canary analysis decision", () => {
  it("advances a ready canary within its thresholds", () => {
    expect(decideAnalysis(observe(), THRESHOLDS)).toMatchObject({ action: "advance", summary: expect.stringContaining("error rate 0.2%") });
  });

  it("advances on readiness alone without metrics, and says so", () => {
    const decision = decideAnalysis(observe({ metrics: { kind: "not-configured" } }), THRESHOLDS);
    expect(decision).toEqual({ action: "advance", summary: "healthy: 2/2 ready, no metrics configured (readiness only)" });
  });

  it("rolls back over the error-rate threshold, with the metrics that triggered it", () => {
    const decision = decideAnalysis(observe({ metrics: { kind: "measured", errorRatePercent: 7.5, p99LatencyMs: 120 } }), THRESHOLDS);
    expect(decision).toEqual({
      action: "rollback",
      reason: "canary error rate 7.5% is over the 1% threshold",
      metrics: { errorRatePercent: 7.5, p99LatencyMs: 120 },
    });
  });

  it("rolls back over the latency threshold, and names both when both are over", () => {
    expect(decideAnalysis(observe({ metrics: { kind: "measured", errorRatePercent: 0, p99LatencyMs: 900 } }), THRESHOLDS)).toMatchObject({
      action: "rollback",
      reason: "canary p99 latency 900 ms is over the 500 ms threshold",
    });
    expect(decideAnalysis(observe({ metrics: { kind: "measured", errorRatePercent: 3, p99LatencyMs: 900 } }), THRESHOLDS)).toMatchObject({
      reason: expect.stringContaining(" and p99 latency"),
    });
  });

  it("rolls back when readiness failed, even if metrics look fine", () => {
    const decision = decideAnalysis(observe({ readiness: { readyReplicas: 0, desiredReplicas: 2, failure: "Available=False" } }), THRESHOLDS);
    expect(decision).toMatchObject({ action: "rollback", reason: "canary readiness failed: Available=False (0/2 ready)" });
  });

  it("holds while the canary starts or metrics have no data yet", () => {
    expect(decideAnalysis(observe({ readiness: { readyReplicas: 1, desiredReplicas: 2 } }), THRESHOLDS)).toEqual({ action: "hold", reason: "canary 1/2 ready" });
    expect(decideAnalysis(observe({ metrics: { kind: "measured", errorRatePercent: null, p99LatencyMs: 100 } }), THRESHOLDS)).toMatchObject({ action: "hold" });
    expect(decideAnalysis(observe({ metrics: { kind: "unavailable", reason: "HTTP 503" } }), THRESHOLDS)).toEqual({ action: "hold", reason: "metrics unavailable: HTTP 503" });
  });

  it("describes metrics for the message", () => {
    expect(describeMetrics({ kind: "measured", errorRatePercent: null, p99LatencyMs: 212.34 }, THRESHOLDS)).toBe("error rate: no data (max 1%), p99 212 ms (max 500 ms)");
  });
});

describe("buttons", () => {
  const pause = { type: "pause", seconds: 60 } as const;

  it("pauses and resumes, and a second click changes nothing", () => {
    expect(controlEffect("pause", { step: pause, paused: false, switched: false })).toEqual({ effect: "pause" });
    expect(controlEffect("pause", { step: pause, paused: true, switched: false })).toMatchObject({ effect: "ignore" });
    expect(controlEffect("resume", { step: pause, paused: true, switched: false })).toEqual({ effect: "resume" });
    expect(controlEffect("resume", { step: pause, paused: false, switched: false })).toMatchObject({ effect: "ignore" });
  });

  it("promotes before the switch, and during a blue-green hold; not after", () => {
    expect(controlEffect("promote", { step: pause, paused: false, switched: false })).toEqual({ effect: "promote" });
    expect(controlEffect("promote", { step: { type: "hold", seconds: 600 }, paused: false, switched: true })).toEqual({ effect: "promote" });
    expect(controlEffect("promote", { step: { type: "retire-old" }, paused: false, switched: true })).toMatchObject({ effect: "ignore" });
  });

  it("aborts into a rollback, except while the old version is being removed", () => {
    expect(controlEffect("abort", { step: pause, paused: true, switched: false })).toEqual({ effect: "rollback", reason: "aborted" });
    expect(controlEffect("abort", { step: { type: "retire-old" }, paused: false, switched: true })).toMatchObject({ effect: "ignore" });
  });
});
