import { ALERT_RULE_KINDS, type AlertRuleKind } from "./alertRules.js";
import { parseDuration } from "./duration.js";

/**
 * The words after `/deploy metrics|logs|alerts NAME`: a window, log options, or an alert-rule
 * change. Pure; each refusal says what was wrong and how to say it.
 */

export const METRICS_WINDOW_WORDS = ["1h", "6h", "24h", "7d"] as const;
export type MetricsWindowWord = (typeof METRICS_WINDOW_WORDS)[number];

export interface LogsOptions {
  sinceMs?: number;
  pod?: string;
  previous?: boolean;
}

export type AlertChange =
  | { kind: "threshold"; rule: AlertRuleKind; fireAt: number }
  | { kind: "for"; rule: AlertRuleKind; forSeconds: number }
  | { kind: "enable" | "disable"; rule: AlertRuleKind }
  | { kind: "channel"; channelId: string; scope: "deployment" | "environment" };

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const MAX_LOG_SINCE = { ms: 7 * 86_400_000, label: "7d" };
const MAX_FOR = { ms: 86_400_000, label: "24h" };
const POD_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** Slack escapes a channel typed in a command as `<#C123|name>`; a bare id works too. */
const CHANNEL_REFERENCE = /^(?:<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>|([CG][A-Z0-9]{2,}))$/;

export const METRICS_USAGE = "`/deploy metrics NAME [1h|6h|24h|7d]`";
export const LOGS_USAGE = "`/deploy logs NAME [--since 10m] [--pod POD] [--previous]`";
export const ALERTS_USAGE =
  "`/deploy alerts NAME` (show), `… set RULE threshold N`, `… set RULE for 10m`, `… disable RULE`, `… enable RULE`, `… channel #channel [--environment]`";

export function parseMetricsWindow(args: readonly string[]): Parsed<MetricsWindowWord> {
  if (args.length > 1) return { ok: false, message: `Too many arguments. Usage: ${METRICS_USAGE}` };
  const word = (args[0] ?? "1h").toLowerCase();
  const window = METRICS_WINDOW_WORDS.find((w) => w === word);
  return window ? { ok: true, value: window } : { ok: false, message: `\`${args[0] ?? ""}\` is not a window: use 1h, 6h, 24h or 7d.` };
}

export function parseLogsOptions(args: readonly string[]): Parsed<LogsOptions> {
  const options: LogsOptions = {};
  for (let index = 0; index < args.length; index += 1) {
    const flag = args[index]?.toLowerCase();
    const value = args[index + 1];
    if (flag === "--previous") {
      options.previous = true;
    } else if (flag === "--since" && value !== undefined) {
      const since = parseDuration(value, MAX_LOG_SINCE);
      if (!since.ok) return { ok: false, message: since.message };
      options.sinceMs = since.ms;
      index += 1;
    } else if (flag === "--pod" && value !== undefined) {
      if (!POD_NAME.test(value)) return { ok: false, message: `\`${value}\` is not a pod name.` };
      options.pod = value;
      index += 1;
    } else {
      return { ok: false, message: `Usage: ${LOGS_USAGE}` };
    }
  }
  return { ok: true, value: options };
}

function parseRule(word: string | undefined): Parsed<AlertRuleKind> {
  const rule = ALERT_RULE_KINDS.find((kind) => kind === word?.toLowerCase());
  return rule ? { ok: true, value: rule } : { ok: false, message: `\`${word ?? ""}\` is not a rule. Rules: ${ALERT_RULE_KINDS.join(", ")}.` };
}

/** Undefined: show the rules. */
export function parseAlertChange(args: readonly string[]): Parsed<AlertChange | undefined> {
  const [action, ...rest] = args.map((a) => a.trim());
  if (action === undefined || action.toLowerCase() === "show") return rest.length === 0 ? { ok: true, value: undefined } : { ok: false, message: `Usage: ${ALERTS_USAGE}` };
  switch (action.toLowerCase()) {
    case "enable":
    case "disable": {
      if (rest.length !== 1) return { ok: false, message: `Usage: ${ALERTS_USAGE}` };
      const rule = parseRule(rest[0]);
      return rule.ok ? { ok: true, value: { kind: action.toLowerCase() as "enable" | "disable", rule: rule.value } } : rule;
    }
    case "set": {
      const [ruleWord, what, amount] = rest;
      if (rest.length !== 3 || amount === undefined) return { ok: false, message: `Usage: ${ALERTS_USAGE}` };
      const rule = parseRule(ruleWord);
      if (!rule.ok) return rule;
      if (what?.toLowerCase() === "threshold") {
        const fireAt = Number(amount.replace(/(%|ms)$/i, ""));
        if (!Number.isFinite(fireAt) || fireAt < 0 || amount.trim() === "") return { ok: false, message: `A threshold is a number of 0 or more, got \`${amount}\`.` };
        return { ok: true, value: { kind: "threshold", rule: rule.value, fireAt } };
      }
      if (what?.toLowerCase() === "for") {
        if (amount === "0") return { ok: true, value: { kind: "for", rule: rule.value, forSeconds: 0 } };
        const duration = parseDuration(amount, MAX_FOR);
        if (!duration.ok) return { ok: false, message: duration.message };
        return { ok: true, value: { kind: "for", rule: rule.value, forSeconds: Math.round(duration.ms / 1000) } };
      }
      return { ok: false, message: `Set \`threshold\` or \`for\`. Usage: ${ALERTS_USAGE}` };
    }
    case "channel": {
      const [reference, scopeFlag] = rest;
      const match = CHANNEL_REFERENCE.exec(reference ?? "");
      const channelId = match?.[1] ?? match?.[2];
      if (channelId === undefined || rest.length > 2 || (scopeFlag !== undefined && scopeFlag.toLowerCase() !== "--environment")) {
        return { ok: false, message: `Name a channel: \`/deploy alerts NAME channel #channel [--environment]\`.` };
      }
      return { ok: true, value: { kind: "channel", channelId, scope: scopeFlag === undefined ? "deployment" : "environment" } };
    }
    default:
      return { ok: false, message: `Usage: ${ALERTS_USAGE}` };
  }
}
