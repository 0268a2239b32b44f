/**
 * Alert rules per deployment and their pure evaluation. A rule fires when its signal stays past
 * the firing threshold for `forSeconds` (one bad scrape is not an incident), and resolves only
 * once the signal is back past a separate, safer resolve threshold (hysteresis), so a value that
 * hovers around the threshold does not page on and off.
 */

export const ALERT_RULE_KINDS = [
  "error-rate",
  "p99-latency",
  "no-ready-replicas",
  "pinned-at-hpa-max",
  "crash-looping",
  "oom-killed",
  "gpu-saturation",
] as const;
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number];

export interface AlertRule {
  kind: AlertRuleKind;
  /** "above": bad when the value rises to `fireAt`; "below": bad when it falls to `fireAt`. */
  direction: "above" | "below";
  /** Fires once the value reaches this (inclusive). */
  fireAt: number;
  /** A firing alert resolves once the value is strictly past this, on the good side. */
  resolveAt: number;
  forSeconds: number;
  unit: string;
  /** What the value is, for messages: "error rate", "p99 latency". */
  signal: string;
}

export interface AlertRuleDefault {
  direction: AlertRule["direction"];
  fireAt: number;
  resolveAt: number;
  unit: string;
  signal: string;
  /** Why this threshold, for the README and the rule's help. */
  meaning: string;
  /** Some conditions are certain at once: no ready replica is an outage now, an OOM kill happened. */
  immediate: boolean;
}

export const ALERT_RULE_DEFAULTS: Readonly<Record<AlertRuleKind, AlertRuleDefault>> = {
  "error-rate": {
    direction: "above", fireAt: 5, resolveAt: 2, unit: "%", signal: "error rate (5xx)", immediate: false,
    meaning: "share of requests answered 5xx over the last 5 minutes",
  },
  "p99-latency": {
    direction: "above", fireAt: 1000, resolveAt: 800, unit: "ms", signal: "p99 latency", immediate: false,
    meaning: "99th percentile request latency over the last 5 minutes",
  },
  "no-ready-replicas": {
    direction: "below", fireAt: 0, resolveAt: 0, unit: "ready replicas", signal: "ready replicas", immediate: false,
    meaning: "no pod is ready to serve, while the deployment is meant to run",
  },
  "pinned-at-hpa-max": {
    direction: "above", fireAt: 100, resolveAt: 90, unit: "% of HPA max", signal: "replicas vs the HPA maximum", immediate: false,
    meaning: "the autoscaler is at its maximum and cannot add capacity",
  },
  "crash-looping": {
    direction: "above", fireAt: 3, resolveAt: 0, unit: "restarts", signal: "container restarts in 10 min", immediate: false,
    meaning: "containers restarted 3 times or more within 10 minutes",
  },
  "oom-killed": {
    direction: "above", fireAt: 1, resolveAt: 0, unit: "OOM kills", signal: "OOM kills in 10 min", immediate: true,
    meaning: "a container was killed for exceeding its memory limit within 10 minutes",
  },
  "gpu-saturation": {
    direction: "above", fireAt: 95, resolveAt: 85, unit: "%", signal: "GPU utilization", immediate: false,
    meaning: "average GPU utilization of the deployment's pods",
  },
};

/** The default rules with one `for` duration (DEPLOYBOT_ALERT_FOR_SECONDS); immediate kinds ignore it. */
export function defaultAlertRules(forSeconds: number, overrides: Partial<Record<AlertRuleKind, { fireAt: number; resolveAt?: number }>> = {}): AlertRule[] {
  return ALERT_RULE_KINDS.map((kind) => {
    const defaults = ALERT_RULE_DEFAULTS[kind];
    const override = overrides[kind];
    const rule: AlertRule = {
      kind,
      direction: defaults.direction,
      fireAt: override?.fireAt ?? defaults.fireAt,
      resolveAt: override?.resolveAt ?? defaults.resolveAt,
      forSeconds: defaults.immediate ? 0 : forSeconds,
      unit: defaults.unit,
      signal: defaults.signal,
    };
    if (override !== undefined && override.resolveAt === undefined) rule.resolveAt = scaledResolveThreshold(kind, rule.fireAt);
    return rule;
  });
}

/** A moved firing threshold keeps the default's proportion between firing and resolving. */
function scaledResolveThreshold(kind: AlertRuleKind, fireAt: number): number {
  const defaults = ALERT_RULE_DEFAULTS[kind];
  if (defaults.fireAt === 0) return fireAt;
  return (fireAt * defaults.resolveAt) / defaults.fireAt;
}

export type AlertState =
  | { phase: "ok" }
  /** Past the threshold since `since`; fires once it stays there `forSeconds`. */
  | { phase: "pending"; since: number }
  | { phase: "firing"; since: number; firedAt: number };

export const INITIAL_ALERT_STATE: AlertState = { phase: "ok" };

export interface AlertSample {
  /** Null when the signal has no data (no traffic, metrics missing): the state is held as it is. */
  value: number | null;
  /**
   * The deployment is out of service on purpose (stopped, being deleted) or has not served yet:
   * there is nothing to watch, so a firing alert resolves and a pending one is dropped.
   */
  standDown?: boolean;
}

export type AlertTransition = "pending" | "fired" | "resolved" | "none";

export interface AlertStep {
  state: AlertState;
  transition: AlertTransition;
}

export function isBreaching(rule: AlertRule, value: number): boolean {
  return rule.direction === "above" ? value >= rule.fireAt : value <= rule.fireAt;
}

export function isRecovered(rule: AlertRule, value: number): boolean {
  return rule.direction === "above" ? value < rule.resolveAt : value > rule.resolveAt;
}

/** `now` is in milliseconds since the epoch, as `Date.now()`. */
export function nextAlertState(rule: AlertRule, state: AlertState, sample: AlertSample, now: number): AlertStep {
  const { value } = sample;
  if (sample.standDown) {
    if (state.phase === "firing") return { state: { phase: "ok" }, transition: "resolved" };
    return state.phase === "ok" ? { state, transition: "none" } : { state: { phase: "ok" }, transition: "none" };
  }
  // No data proves nothing either way: a firing alert does not resolve because traffic stopped.
  if (value === null) return { state, transition: "none" };
  switch (state.phase) {
    case "ok": {
      if (!isBreaching(rule, value)) return { state, transition: "none" };
      if (rule.forSeconds <= 0) return { state: { phase: "firing", since: now, firedAt: now }, transition: "fired" };
      return { state: { phase: "pending", since: now }, transition: "pending" };
    }
    case "pending": {
      // Pending needs the condition to hold without a break, as Prometheus' own `for` does.
      if (!isBreaching(rule, value)) return { state: { phase: "ok" }, transition: "none" };
      if (now - state.since >= rule.forSeconds * 1000) {
        return { state: { phase: "firing", since: state.since, firedAt: now }, transition: "fired" };
      }
      return { state, transition: "none" };
    }
    case "firing":
      return isRecovered(rule, value) ? { state: { phase: "ok" }, transition: "resolved" } : { state, transition: "none" };
  }
}

/** "error rate 7.5% is over the 5% threshold". */
export function describeBreach(rule: AlertRule, value: number): string {
  const relation = rule.direction === "above" ? "at or over" : "at or under";
  // A count that names itself ("ready replicas") reads badly twice: "ready replicas 0 ready replicas".
  if (rule.unit === rule.signal) {
    const count = value === 0 ? `no ${rule.signal}` : `${formatAlertNumber(value)} ${value === 1 ? rule.signal.replace(/s$/, "") : rule.signal}`;
    return `${count}, ${relation} the threshold of ${formatAlertNumber(rule.fireAt)}`;
  }
  return `${rule.signal} ${formatAlertValue(value, rule.unit)} is ${relation} the ${formatAlertValue(rule.fireAt, rule.unit)} threshold`;
}

function formatAlertNumber(value: number): string {
  return Math.abs(value) >= 100 || Number.isInteger(value) ? Math.round(value).toString() : value.toFixed(value < 1 ? 2 : 1);
}

export function formatAlertValue(value: number, unit: string): string {
  const rounded = formatAlertNumber(value);
  return unit === "%" || unit === "ms" ? `${rounded}${unit === "%" ? "%" : " ms"}` : `${rounded} ${unit}`;
}
