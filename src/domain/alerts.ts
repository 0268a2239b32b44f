import { ALERT_RULE_DEFAULTS, ALERT_RULE_KINDS, type AlertRule, type AlertRuleKind, type AlertState } from "./alertRules.js";
import type { DeploymentRef } from "./deploymentRef.js";
import type { DeploymentStatus } from "./deploymentStatus.js";

/**
 * Alerts as deploybot keeps and shows them: the stored state of one alert (a deployment's rule,
 * or an Alertmanager alert), a deployment's changes to the default rules, and the port through
 * which the evaluation and the Alertmanager receiver post and edit alert messages.
 */

export type AlertSource = "rule" | "alertmanager";

export interface AlertRecord {
  id: string;
  /** `rule:<deploymentId>:<kind>` or `alertmanager:<fingerprint>`: one row, one message per firing. */
  key: string;
  deploymentId: string;
  source: AlertSource;
  /** The rule kind, or Alertmanager's `alertname`. */
  rule: string;
  state: AlertState;
  /** The value when it last fired or was evaluated. */
  value: number | null;
  /** Alertmanager's summary annotation; null for deploybot's own rules. */
  summary: string | null;
  channelId: string | null;
  messageTs: string | null;
  silencedUntil: Date | null;
  silencedBy: string | null;
  ackedBy: string | null;
  ackedAt: Date | null;
}

export function ruleAlertKey(deploymentId: string, kind: AlertRuleKind): string {
  return `rule:${deploymentId}:${kind}`;
}

export function alertmanagerAlertKey(fingerprint: string): string {
  return `alertmanager:${fingerprint}`;
}

/** Statuses in which a deployment is not meant to serve, so its signals are not alerts. */
const OUT_OF_SERVICE: readonly DeploymentStatus[] = [
  // Still being created: its pods coming up are its create's progress, not an outage (a large
  // model can take minutes to load). Its signals count once it went live.
  "pending",
  "deploying",
  // Taken out of service on purpose: no ready replicas is what was asked for.
  "stopping",
  "stopped",
  "deleting",
];

export function isWatchedForAlerts(status: DeploymentStatus): boolean {
  return !OUT_OF_SERVICE.includes(status);
}

export function isAlertRuleKind(value: string): value is AlertRuleKind {
  return (ALERT_RULE_KINDS as readonly string[]).includes(value);
}

export function isSilenced(alert: Pick<AlertRecord, "silencedUntil">, now: Date): boolean {
  return alert.silencedUntil !== null && alert.silencedUntil.getTime() > now.getTime();
}

/** A deployment's change to one default rule. */
export interface AlertRuleOverride {
  kind: AlertRuleKind;
  fireAt: number | null;
  forSeconds: number | null;
  disabled: boolean;
}

export interface EffectiveAlertRule extends AlertRule {
  enabled: boolean;
  /** Whether this deployment changed the rule (for `/deploy alerts NAME`). */
  overridden: boolean;
}

/**
 * The rules that apply to one deployment: the configured defaults, with its overrides. A moved
 * firing threshold keeps the default's proportion to its resolve threshold, as the environment's
 * `DEPLOYBOT_ALERT_<KIND>_THRESHOLD` does.
 */
export function effectiveAlertRules(defaults: readonly AlertRule[], overrides: readonly AlertRuleOverride[]): EffectiveAlertRule[] {
  return defaults.map((rule) => {
    const override = overrides.find((o) => o.kind === rule.kind);
    if (override === undefined) return { ...rule, enabled: true, overridden: false };
    const base = ALERT_RULE_DEFAULTS[rule.kind];
    const fireAt = override.fireAt ?? rule.fireAt;
    const resolveAt = override.fireAt === null ? rule.resolveAt : base.fireAt === 0 ? fireAt : (fireAt * base.resolveAt) / base.fireAt;
    const forSeconds = base.immediate ? 0 : (override.forSeconds ?? rule.forSeconds);
    return { ...rule, fireAt, resolveAt, forSeconds, enabled: !override.disabled, overridden: true };
  });
}

/** "12 min", "2 h 5 min", "3 d 4 h": how long an alert lasted. */
export function formatAlertDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** A chart ready for Slack: an image URL Slack can fetch, PNG bytes to upload, or why there is none. */
export type ChartImage =
  | { kind: "image-url"; url: string; altText: string; title: string }
  | { kind: "png"; png: Uint8Array; fileName: string; altText: string; title: string }
  | { kind: "failed"; reason: string; altText: string; title: string };

/** Everything an alert message shows. */
export interface AlertView {
  alert: AlertRecord;
  deployment: DeploymentRef & { environment: string };
  /** "error rate (5xx) 7.5% is at or over the 5% threshold", or Alertmanager's summary. */
  headline: string;
  /** The pod-level cause and what to do, when Kubernetes reports one. */
  cause?: { summary: string; nextStep: string };
  chart?: ChartImage;
  /** A Slack user group (`S…`) to mention on firing. */
  oncallGroupId?: string;
  /** Set once resolved: how long it fired. */
  resolvedAfterMs?: number;
}

/** Posts and edits alert messages; the Slack side implements it. */
export interface AlertPublisher {
  /** Posts a firing alert; returns where, so that later edits find the same message. */
  postFiring(channelId: string, view: AlertView): Promise<{ channelId: string; ts: string }>;
  /** Edits the alert's message in place (resolved, acknowledged, silenced). */
  update(view: AlertView): Promise<void>;
}
