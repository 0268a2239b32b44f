import { describe, expect, it } from "vitest";
import {
  ALERT_RULE_KINDS,
  defaultAlertRules,
  describeBreach,
  INITIAL_ALERT_STATE,
  nextAlertState,
  type AlertRule,
  type AlertState,
  type AlertTransition,
} from "../../src/domain/alertRules.js";

const RULES = defaultAlertRules(300);
function rule(kind: AlertRule["kind"]): AlertRule {
  const found = RULES.find((r) => r.kind === kind);
  if (!found) throw new Error(kind);
  return found;
}
const errorRate = rule("error-rate");
const MINUTE = 60_000;

/** Feeds values one minute apart and returns every transition. */
function run(target: AlertRule, values: readonly (number | null)[], start: AlertState = INITIAL_ALERT_STATE): { transitions: AlertTransition[]; state: AlertState } {
  let state = start;
  const transitions: AlertTransition[] = [];
  values.forEach((value, i) => {
    const step = nextAlertState(target, state, { value }, i * MINUTE);
    state = step.state;
    transitions.push(step.transition);
  });
  return { transitions, state };
}

describe("alert rules", () => {
  it("have a default for every kind, with a resolve threshold on the safe side of the firing one", () => {
    expect(RULES.map((r) => r.kind)).toEqual([...ALERT_RULE_KINDS]);
    for (const r of RULES) {
      if (r.direction === "above") expect(r.resolveAt).toBeLessThanOrEqual(r.fireAt);
      else expect(r.resolveAt).toBeGreaterThanOrEqual(r.fireAt);
    }
    expect(errorRate).toMatchObject({ fireAt: 5, resolveAt: 2, forSeconds: 300 });
  });

  it("go pending on a breach, fire after `for`, and resolve below the resolve threshold", () => {
    // 0 ok, 1 pending, 2..5 held, 6 = 5 minutes later: fired; 7 still over resolve; 8 resolved.
    const { transitions, state } = run(errorRate, [1, 6, 7, 8, 9, 10, 6, 3, 1.5]);
    expect(transitions).toEqual(["none", "pending", "none", "none", "none", "none", "fired", "none", "resolved"]);
    expect(state).toEqual({ phase: "ok" });
  });

  it("fire at once when `for` is zero, and for immediate kinds", () => {
    expect(run({ ...errorRate, forSeconds: 0 }, [5]).transitions).toEqual(["fired"]);
    expect(run(rule("oom-killed"), [0, 1]).transitions).toEqual(["none", "fired"]);
  });

  it("never fire while a value flaps around the threshold faster than `for`", () => {
    const flapping = [6, 4.9, 6, 4.9, 6, 4.9, 6, 4.9, 6, 4.9, 6, 4.9];
    const { transitions, state } = run(errorRate, flapping);
    expect(transitions.filter((t) => t === "fired")).toEqual([]);
    expect(transitions.filter((t) => t === "pending")).toHaveLength(6);
    expect(state.phase).toBe("ok");
  });

  it("stay firing while the value flaps between the resolve and firing thresholds (hysteresis)", () => {
    const firing: AlertState = { phase: "firing", since: 0, firedAt: 0 };
    const { transitions, state } = run(errorRate, [4, 6, 2.5, 5, 2, 4], firing);
    expect(transitions).toEqual(["none", "none", "none", "none", "none", "none"]);
    expect(state.phase).toBe("firing");
    expect(run(errorRate, [1.9], firing).transitions).toEqual(["resolved"]);
  });

  it("hold the state on no data: no fire from nothing, no resolve because traffic stopped", () => {
    const firing: AlertState = { phase: "firing", since: 0, firedAt: 0 };
    expect(run(errorRate, [null, null], firing)).toEqual({ transitions: ["none", "none"], state: firing });
    expect(run(errorRate, [6, null, null, null, null, null, 6]).transitions.at(-1)).toBe("fired");
  });

  it("treat 'no ready replicas' as a falling signal", () => {
    const noReady = rule("no-ready-replicas");
    const { transitions } = run(noReady, [2, 0, 0, 0, 0, 0, 0, 1]);
    expect(transitions).toEqual(["none", "pending", "none", "none", "none", "none", "fired", "resolved"]);
  });

  it("stand down when the deployment is out of service: a firing alert resolves, a pending one is dropped", () => {
    const noReady = rule("no-ready-replicas");
    const firing: AlertState = { phase: "firing", since: 0, firedAt: 0 };
    expect(nextAlertState(noReady, firing, { value: null, standDown: true }, MINUTE)).toEqual({ state: { phase: "ok" }, transition: "resolved" });
    expect(nextAlertState(noReady, { phase: "pending", since: 0 }, { value: null, standDown: true }, MINUTE)).toEqual({ state: { phase: "ok" }, transition: "none" });
    expect(nextAlertState(noReady, INITIAL_ALERT_STATE, { value: 0, standDown: true }, MINUTE)).toEqual({ state: INITIAL_ALERT_STATE, transition: "none" });
    // Without standing down, no data holds a firing alert as it is.
    expect(nextAlertState(noReady, firing, { value: null }, MINUTE)).toEqual({ state: firing, transition: "none" });
  });

  it("describe a breach with value, unit and threshold", () => {
    expect(describeBreach(errorRate, 7.5)).toBe("error rate (5xx) 7.5% is at or over the 5% threshold");
    expect(describeBreach(rule("p99-latency"), 1234.4)).toBe("p99 latency 1234 ms is at or over the 1000 ms threshold");
    expect(describeBreach(rule("no-ready-replicas"), 0)).toBe("no ready replicas, at or under the threshold of 0");
    expect(describeBreach({ ...rule("no-ready-replicas"), fireAt: 1 }, 1)).toBe("1 ready replica, at or under the threshold of 1");
  });
});
