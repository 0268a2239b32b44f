import { z } from "zod";
import { ALERT_RULE_KINDS, defaultAlertRules, type AlertRule, type AlertRuleKind } from "../domain/alertRules.js";
import { TRAFFIC_PROVIDER_IDS } from "../domain/trafficCapabilities.js";
import { defaultMetricTemplates, METRIC_IDS, metricQueryEnvName, unknownPlaceholders, type MetricId, type MetricTemplates } from "./metricQueries.js";

/**
 * Monitoring's own settings, parsed from the environment with documented defaults. The
 * composition root hands `process.env` to `parseMonitoringConfig`; every problem is reported by
 * variable name, like the rest of deploybot's configuration.
 */

export const HOSTED_QUICKCHART_URL = "https://quickchart.io";

/** `DEPLOYBOT_ALERT_<KIND>_THRESHOLD` moves a rule's firing threshold: `DEPLOYBOT_ALERT_ERROR_RATE_THRESHOLD=2`. */
export function alertThresholdEnvName(kind: AlertRuleKind): string {
  return `DEPLOYBOT_ALERT_${kind.replaceAll("-", "_").toUpperCase()}_THRESHOLD`;
}

const optionalUrl = (name: string) =>
  z
    .string()
    .trim()
    .transform((v) => (v === "" ? undefined : v))
    .pipe(z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` }).optional())
    .optional();

const seconds = (name: string, fallback: number, min: number) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds` })
    .int({ error: `${name} must be a whole number of seconds` })
    .min(min, { error: `${name} must be at least ${min}` })
    .default(fallback);

const booleanFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const promqlTemplate = (name: string) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((template) => unknownPlaceholders(template).length === 0, {
      error: (issue) => `${name} uses unknown placeholders: ${unknownPlaceholders(String(issue.input)).map((p) => `{${p}}`).join(", ")}`,
    })
    .optional();

const envShape = {
  PROMETHEUS_URL: optionalUrl("PROMETHEUS_URL"),
  DEPLOYBOT_PROMETHEUS_TIMEOUT_SECONDS: seconds("DEPLOYBOT_PROMETHEUS_TIMEOUT_SECONDS", 10, 1),
  QUICKCHART_URL: optionalUrl("QUICKCHART_URL"),
  DEPLOYBOT_QUICKCHART_PUBLIC: booleanFlag.optional(),
  DEPLOYBOT_TRAFFIC_PROVIDER: z.enum(TRAFFIC_PROVIDER_IDS).default("service"),
  DEPLOYBOT_ALERT_EVALUATION_INTERVAL_SECONDS: seconds("DEPLOYBOT_ALERT_EVALUATION_INTERVAL_SECONDS", 60, 10),
  DEPLOYBOT_ALERT_FOR_SECONDS: seconds("DEPLOYBOT_ALERT_FOR_SECONDS", 300, 0),
  DEPLOYBOT_ALERTMANAGER_TOKEN: z.string().min(16, { error: "DEPLOYBOT_ALERTMANAGER_TOKEN must be at least 16 characters" }).optional(),
  ...Object.fromEntries(METRIC_IDS.map((id) => [metricQueryEnvName(id), promqlTemplate(metricQueryEnvName(id))])),
  ...Object.fromEntries(
    ALERT_RULE_KINDS.map((kind) => [
      alertThresholdEnvName(kind),
      z.coerce.number({ error: `${alertThresholdEnvName(kind)} must be a number` }).min(0).optional(),
    ]),
  ),
};
const monitoringEnvSchema = z.object(envShape);

export interface MonitoringConfig {
  prometheus: { url: string; timeoutMs: number } | undefined;
  metricTemplates: MetricTemplates;
  quickChart: {
    baseUrl: string;
    /** Whether Slack's servers can fetch an image from it: then charts are image URLs, else uploaded PNGs. */
    publiclyReachable: boolean;
    /** Short URLs (`/chart/create`) exist only on the hosted service. */
    supportsShortUrls: boolean;
  };
  alerts: {
    evaluationIntervalSeconds: number;
    forSeconds: number;
    rules: AlertRule[];
    /** Bearer token Alertmanager must send to POST /alertmanager; without it the endpoint is closed. */
    alertmanagerToken: string | undefined;
  };
}

export type MonitoringConfigResult = { ok: true; config: MonitoringConfig } | { ok: false; errors: string[] };

export function parseMonitoringConfig(env: Readonly<Record<string, string | undefined>>): MonitoringConfigResult {
  const present = Object.fromEntries(Object.keys(envShape).flatMap((key) => (env[key] === undefined ? [] : [[key, env[key]]])));
  const parsed = monitoringEnvSchema.safeParse(present);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((issue) => (issue.message.includes(String(issue.path[0] ?? "")) ? issue.message : `${String(issue.path[0] ?? "")}: ${issue.message}`)) };
  }
  const values = parsed.data as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof values[key] === "string" ? (values[key] as string) : undefined);
  const number = (key: string): number | undefined => (typeof values[key] === "number" ? (values[key] as number) : undefined);

  const defaults = defaultMetricTemplates(parsed.data.DEPLOYBOT_TRAFFIC_PROVIDER);
  const metricTemplates = Object.fromEntries(METRIC_IDS.map((id) => [id, text(metricQueryEnvName(id)) ?? defaults[id]])) as Record<MetricId, string>;

  const thresholdOverrides: Partial<Record<AlertRuleKind, { fireAt: number }>> = {};
  for (const kind of ALERT_RULE_KINDS) {
    const fireAt = number(alertThresholdEnvName(kind));
    if (fireAt !== undefined) thresholdOverrides[kind] = { fireAt };
  }

  const quickChartUrl = (parsed.data.QUICKCHART_URL ?? HOSTED_QUICKCHART_URL).replace(/\/+$/, "");
  const hosted = new URL(quickChartUrl).hostname === "quickchart.io";
  const prometheusUrl = parsed.data.PROMETHEUS_URL;
  return {
    ok: true,
    config: {
      prometheus: prometheusUrl === undefined ? undefined : { url: prometheusUrl, timeoutMs: parsed.data.DEPLOYBOT_PROMETHEUS_TIMEOUT_SECONDS * 1000 },
      metricTemplates,
      quickChart: {
        baseUrl: quickChartUrl,
        publiclyReachable: parsed.data.DEPLOYBOT_QUICKCHART_PUBLIC ?? hosted,
        supportsShortUrls: hosted,
      },
      alerts: {
        evaluationIntervalSeconds: parsed.data.DEPLOYBOT_ALERT_EVALUATION_INTERVAL_SECONDS,
        forSeconds: parsed.data.DEPLOYBOT_ALERT_FOR_SECONDS,
        rules: defaultAlertRules(parsed.data.DEPLOYBOT_ALERT_FOR_SECONDS, thresholdOverrides),
        alertmanagerToken: parsed.data.DEPLOYBOT_ALERTMANAGER_TOKEN,
      },
    },
  };
}
