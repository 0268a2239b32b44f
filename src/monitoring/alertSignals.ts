import type { AlertRuleKind } from "../domain/alertRules.js";
import { deploymentKey, type DeploymentRef } from "../domain/deploymentRef.js";
import type { WorkloadStatus } from "../cluster/workloadStatus.js";
import type { DeploymentMetricsReader, FleetQuery, MetricSeriesResult } from "./deploymentMetrics.js";
import type { MetricId } from "./metricQueries.js";

/**
 * One alert evaluation's inputs for every deployment at once: five Prometheus queries (error
 * rate, p99, GPU, restarts, OOM kills) whatever the number of deployments, plus two Kubernetes
 * list calls per namespace for readiness and the HPA. The pure rules in the domain then turn each
 * sample into a transition.
 */

export interface AlertSignal {
  kind: AlertRuleKind;
  /** Null: no data (no traffic, no GPU, metrics not configured, deployment stopped). */
  value: number | null;
  /** Why the value is null, when it is not simply "no data". */
  note?: string;
}

export interface FleetWorkloads {
  readFleet(namespaces: readonly string[]): Promise<Map<string, WorkloadStatus>>;
}

export interface AlertSignalReading {
  /** Key: `deploymentKey`. Every deployment asked for has one signal per rule kind. */
  signals: Map<string, AlertSignal[]>;
  /** Sources that failed this round (Prometheus down, a namespace unreadable): their signals are null. */
  problems: string[];
}

/** The recent window alert metrics are measured over. */
const SHORT_WINDOW_SECONDS = 300;
/** Restarts and OOM kills are counted over ten minutes, as the rules' defaults say. */
const RESTART_WINDOW_SECONDS = 600;

/** Which Prometheus metric feeds each metric-based rule (and its alert chart). */
export const ALERT_METRICS: Partial<Record<AlertRuleKind, FleetQuery & { metric: MetricId }>> = {
  "error-rate": { metric: "errorRatePercent", windowSeconds: SHORT_WINDOW_SECONDS },
  "p99-latency": { metric: "latencyMs", windowSeconds: SHORT_WINDOW_SECONDS, quantile: 0.99 },
  "gpu-saturation": { metric: "gpuUtilizationPercent", windowSeconds: SHORT_WINDOW_SECONDS },
  "crash-looping": { metric: "containerRestarts", windowSeconds: RESTART_WINDOW_SECONDS },
  "oom-killed": { metric: "oomKills", windowSeconds: RESTART_WINDOW_SECONDS },
};

export async function readAlertSignals(
  sources: { metrics: DeploymentMetricsReader; workloads: FleetWorkloads },
  deployments: readonly DeploymentRef[],
  abortSignal?: AbortSignal,
): Promise<AlertSignalReading> {
  const namespaces = [...new Set(deployments.map((d) => d.namespace))].sort();
  const metricKinds = Object.keys(ALERT_METRICS) as AlertRuleKind[];
  const queries = metricKinds.flatMap((kind) => {
    const query = ALERT_METRICS[kind];
    return query === undefined ? [] : [{ ...query, as: kind }];
  });
  const problems: string[] = [];

  const [fleet, workloads] = await Promise.all([
    sources.metrics.fleet(namespaces, queries, abortSignal),
    sources.workloads.readFleet(namespaces).catch((error: unknown) => {
      problems.push(`Kubernetes: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }),
  ]);
  let metricsNote: string | undefined;
  if (fleet.kind === "not-configured") metricsNote = "metrics not configured (no PROMETHEUS_URL)";
  if (fleet.kind === "unavailable") {
    metricsNote = `Prometheus unavailable: ${fleet.reason}`;
    problems.push(metricsNote);
  }
  if (fleet.kind === "measured") for (const failure of fleet.failures) problems.push(`Prometheus (${failure.metric}): ${failure.reason}`);

  const signals = new Map<string, AlertSignal[]>();
  for (const ref of deployments) {
    const key = deploymentKey(ref);
    const list: AlertSignal[] = metricKinds.map((kind) => {
      if (fleet.kind !== "measured") return { kind, value: null, ...(metricsNote === undefined ? {} : { note: metricsNote }) };
      const reading = fleet.readings[kind];
      if (reading === undefined) return { kind, value: null, note: "query failed" };
      return { kind, value: reading.values.get(key) ?? null };
    });
    const workload = workloads?.get(key);
    const unreadable = workloads === undefined ? { note: "Kubernetes unavailable" } : {};
    // A stopped deployment (0 desired) is not an outage.
    list.push({ kind: "no-ready-replicas", value: workload !== undefined && workload.desiredReplicas > 0 ? workload.readyReplicas : null, ...unreadable });
    const hpa = workload?.hpa;
    list.push({
      kind: "pinned-at-hpa-max",
      value: hpa !== undefined && hpa.maxReplicas > 0 ? (100 * hpa.currentReplicas) / hpa.maxReplicas : null,
      ...unreadable,
    });
    signals.set(key, list);
  }
  return { signals, problems };
}

/** The last hour of the metric behind a rule, for the alert's chart; undefined for Kubernetes-only rules. */
export function alertMetricHistory(metrics: DeploymentMetricsReader, ref: DeploymentRef, kind: AlertRuleKind, nowSeconds: number): Promise<MetricSeriesResult> | undefined {
  const query = ALERT_METRICS[kind];
  if (query === undefined) return undefined;
  return metrics.metricSeries(ref, query.metric, "1h", nowSeconds, query.quantile);
}
