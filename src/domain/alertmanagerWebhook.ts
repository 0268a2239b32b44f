import { z } from "zod";
import { deploymentOfPod, deploymentOfWorkload, type DeploymentRef } from "./deploymentRef.js";

/**
 * Alertmanager's webhook payload (receiver `webhook_configs`, version "4"), and which deployment
 * each alert is about. Alertmanager re-sends a firing group every `repeat_interval`: the
 * fingerprint identifies an alert across those re-sends, for deduplication by the caller.
 */

const labelMap = z.record(z.string(), z.string());

const alertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  // Alertmanager sends "0001-01-01T00:00:00Z" while an alert fires.
  endsAt: z.string().default(""),
  generatorURL: z.string().default(""),
  fingerprint: z.string().min(1),
});

export const alertmanagerWebhookSchema = z.object({
  version: z.literal("4"),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string(),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().default(""),
  alerts: z.array(alertSchema).max(1000),
});

export interface ExternalAlert {
  fingerprint: string;
  status: "firing" | "resolved";
  name: string;
  /** The annotation a human wrote (`summary`, else `description`), else the alert name. */
  summary: string;
  severity: string | undefined;
  startsAt: string;
  /** Undefined while firing. */
  endsAt: string | undefined;
  generatorUrl: string | undefined;
  /** Undefined when no label names a deploybot deployment: the caller posts it to a default channel or drops it. */
  deployment: DeploymentRef | undefined;
  labels: Record<string, string>;
}

export type AlertmanagerParseResult =
  | { ok: true; groupKey: string; truncatedAlerts: number; alerts: ExternalAlert[] }
  | { ok: false; error: string };

/** Label that a Prometheus alerting rule can set to name the deployment outright. */
export const DEPLOYMENT_ALERT_LABEL = "deploybot_deployment";

const NAMESPACE_LABELS = ["namespace", "destination_workload_namespace", "exported_namespace"] as const;

/**
 * Which deployment the labels point at, most explicit first: deploybot's own label; a
 * `deployment` label (deploybot's metric templates give the deploybot name, kube-state-metrics the
 * slot's Deployment); Istio's `destination_workload`; a `pod` name.
 */
export function deploymentOfAlertLabels(labels: Readonly<Record<string, string>>): DeploymentRef | undefined {
  const namespace = NAMESPACE_LABELS.map((key) => labels[key]).find((value) => value !== undefined && value !== "");
  if (namespace === undefined) return undefined;
  const explicit = labels[DEPLOYMENT_ALERT_LABEL];
  const deploymentLabel = labels.deployment;
  const workload = labels.destination_workload;
  const pod = labels.pod ?? labels.exported_pod;
  const name =
    (explicit !== undefined && explicit !== "" ? explicit : undefined) ??
    (deploymentLabel !== undefined && deploymentLabel !== "" ? (deploymentOfWorkload(deploymentLabel) ?? deploymentLabel) : undefined) ??
    (workload !== undefined ? deploymentOfWorkload(workload) : undefined) ??
    (pod !== undefined ? deploymentOfPod(pod) : undefined);
  return name === undefined ? undefined : { namespace, name };
}

export function parseAlertmanagerWebhook(body: unknown): AlertmanagerParseResult {
  const parsed = alertmanagerWebhookSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `not an Alertmanager v4 webhook payload: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid"}` };
  }
  const payload = parsed.data;
  const alerts = payload.alerts.map((alert): ExternalAlert => {
    // Group-wide labels hold what every alert shares; an alert's own labels win.
    const labels = { ...payload.commonLabels, ...alert.labels };
    const annotations = { ...payload.commonAnnotations, ...alert.annotations };
    const name = labels.alertname ?? "alert";
    return {
      fingerprint: alert.fingerprint,
      status: alert.status,
      name,
      summary: annotations.summary ?? annotations.description ?? name,
      severity: labels.severity,
      startsAt: alert.startsAt,
      endsAt: alert.status === "resolved" && !alert.endsAt.startsWith("0001-") && alert.endsAt !== "" ? alert.endsAt : undefined,
      generatorUrl: alert.generatorURL === "" ? undefined : alert.generatorURL,
      deployment: deploymentOfAlertLabels(labels),
      labels,
    };
  });
  return { ok: true, groupKey: payload.groupKey, truncatedAlerts: payload.truncatedAlerts, alerts };
}
