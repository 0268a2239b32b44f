import { deploymentKey, type DeploymentRef } from "../domain/deploymentRef.js";
import { renderMetricQuery, type DeploymentScope, type MetricId, type MetricTemplates } from "./metricQueries.js";
import { alignedRange, METRICS_WINDOWS, rateWindowSeconds, type MetricsWindowId } from "./metricsWindow.js";
import { PrometheusClient, type RangeSeries } from "./prometheusClient.js";

/**
 * Reads a deployment's metrics from Prometheus: the numbers of `/deploy metrics`, the series of
 * its charts, and the latest values of every deployment at once for the alert evaluation. No data
 * is a value (null), not an error; an outage is a typed result, never a throw.
 */

export const LATENCY_QUANTILES = { p50: 0.5, p95: 0.95, p99: 0.99 } as const;
export type LatencyQuantile = keyof typeof LATENCY_QUANTILES;

/** Why there are no numbers: no PROMETHEUS_URL, or Prometheus did not answer. */
export type MetricsUnavailable = { kind: "not-configured" } | { kind: "unavailable"; reason: string };

export interface MetricFailure {
  metric: string;
  reason: string;
}

export interface MetricsSummary {
  window: MetricsWindowId;
  /** Averages over the window. */
  requestsPerSecond: number | null;
  errorRatePercent: number | null;
  latencyMs: Record<LatencyQuantile, number | null>;
  containerRestarts: number | null;
  /** Now (last 5 minutes), summed over the pods. */
  cpuCores: number | null;
  memoryBytes: number | null;
  /** Now, averaged over the GPUs. */
  gpuUtilizationPercent: number | null;
  /** Queries that failed while others answered; their values are null. */
  failures: MetricFailure[];
}

export type SummaryResult = { kind: "measured"; summary: MetricsSummary } | MetricsUnavailable;

export interface TimePoint {
  /** Unix seconds. */
  time: number;
  value: number | null;
}

export interface DeploymentSeries {
  window: MetricsWindowId;
  start: number;
  end: number;
  stepSeconds: number;
  latencyMs: Record<LatencyQuantile, TimePoint[]>;
  requestsPerSecond: TimePoint[];
  errorRatePercent: TimePoint[];
  availableReplicas: TimePoint[];
  failures: MetricFailure[];
}

export type SeriesResult = { kind: "measured"; series: DeploymentSeries } | MetricsUnavailable;

export type MetricSeriesResult = { kind: "measured"; points: TimePoint[] } | MetricsUnavailable;

/** Latest value per deployment (key: `deploymentKey`); a deployment without data is absent. */
export interface FleetReading {
  values: Map<string, number | null>;
}

/** Readings are keyed by each query's `as` (default: its metric id). */
export type FleetResult = { kind: "measured"; readings: Partial<Record<string, FleetReading>>; failures: MetricFailure[] } | MetricsUnavailable;

export interface FleetQuery {
  metric: MetricId;
  windowSeconds: number;
  quantile?: number;
  /** A name of the reading in the result when the same metric is read twice (p99 vs p50). */
  as?: string;
}

const CURRENT_RATE_WINDOW_SECONDS = 300;

export interface DeploymentMetricsReader {
  readonly configured: boolean;
  summary(target: DeploymentRef, window: MetricsWindowId, signal?: AbortSignal): Promise<SummaryResult>;
  series(target: DeploymentRef, window: MetricsWindowId, nowSeconds: number, signal?: AbortSignal): Promise<SeriesResult>;
  /** One metric over a window, e.g. the last hour of the metric that fired an alert. */
  metricSeries(target: DeploymentRef, metric: MetricId, window: MetricsWindowId, nowSeconds: number, quantile?: number, signal?: AbortSignal): Promise<MetricSeriesResult>;
  /** One query per entry for every deployment in `namespaces`: what keeps 10,000 deployments cheap. */
  fleet(namespaces: readonly string[], queries: readonly FleetQuery[], signal?: AbortSignal): Promise<FleetResult>;
}

export const metricsNotConfigured: DeploymentMetricsReader = {
  configured: false,
  summary: async () => ({ kind: "not-configured" }),
  series: async () => ({ kind: "not-configured" }),
  metricSeries: async () => ({ kind: "not-configured" }),
  fleet: async () => ({ kind: "not-configured" }),
};

interface Outcome<T> {
  name: string;
  result: { ok: true; value: T } | { ok: false; reason: string };
}

async function attempt<T>(name: string, run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { name, result: { ok: true, value: await run() } };
  } catch (error) {
    return { name, result: { ok: false, reason: error instanceof Error ? error.message : String(error) } };
  }
}

function failuresOf(outcomes: readonly Outcome<unknown>[]): MetricFailure[] {
  return outcomes.flatMap((o) => (o.result.ok ? [] : [{ metric: o.name, reason: o.result.reason }]));
}

/** All failed: Prometheus is down or refuses every query; say so instead of a page of blanks. */
function allFailed(outcomes: readonly Outcome<unknown>[]): MetricsUnavailable | undefined {
  if (outcomes.length === 0 || outcomes.some((o) => o.result.ok)) return undefined;
  return { kind: "unavailable", reason: failuresOf(outcomes)[0]?.reason ?? "no answer" };
}

export class PrometheusDeploymentMetrics implements DeploymentMetricsReader {
  readonly configured = true;

  constructor(
    private readonly client: PrometheusClient,
    private readonly templates: MetricTemplates,
  ) {}

  async summary(target: DeploymentRef, window: MetricsWindowId, signal?: AbortSignal): Promise<SummaryResult> {
    const scope: DeploymentScope = { kind: "one", namespace: target.namespace, deployment: target.name };
    const overWindow = METRICS_WINDOWS[window].seconds;
    const value = (name: string, metric: MetricId, windowSeconds: number, quantile?: number) =>
      attempt(name, () => this.client.queryValue(this.query(metric, scope, windowSeconds, quantile), signal));
    const outcomes = await Promise.all([
      value("request rate", "requestsPerSecond", overWindow),
      value("error rate", "errorRatePercent", overWindow),
      value("p50 latency", "latencyMs", overWindow, LATENCY_QUANTILES.p50),
      value("p95 latency", "latencyMs", overWindow, LATENCY_QUANTILES.p95),
      value("p99 latency", "latencyMs", overWindow, LATENCY_QUANTILES.p99),
      value("restarts", "containerRestarts", overWindow),
      value("CPU", "cpuCores", CURRENT_RATE_WINDOW_SECONDS),
      value("memory", "memoryBytes", CURRENT_RATE_WINDOW_SECONDS),
      value("GPU utilization", "gpuUtilizationPercent", CURRENT_RATE_WINDOW_SECONDS),
    ]);
    const unavailable = allFailed(outcomes);
    if (unavailable) return unavailable;
    const [requests, errors, p50, p95, p99, restarts, cpu, memory, gpu] = outcomes.map((o) => (o.result.ok ? o.result.value : null));
    return {
      kind: "measured",
      summary: {
        window,
        requestsPerSecond: requests ?? null,
        errorRatePercent: errors ?? null,
        latencyMs: { p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null },
        containerRestarts: restarts ?? null,
        cpuCores: cpu ?? null,
        memoryBytes: memory ?? null,
        gpuUtilizationPercent: gpu ?? null,
        failures: failuresOf(outcomes),
      },
    };
  }

  async series(target: DeploymentRef, window: MetricsWindowId, nowSeconds: number, signal?: AbortSignal): Promise<SeriesResult> {
    const scope: DeploymentScope = { kind: "one", namespace: target.namespace, deployment: target.name };
    const range = alignedRange(window, nowSeconds);
    const rateWindow = rateWindowSeconds(range.stepSeconds);
    const grid = timeGrid(range.start, range.end, range.stepSeconds);
    const rangeOf = (name: string, metric: MetricId, quantile?: number) =>
      attempt(name, async () => onGrid(grid, await this.client.queryRange(this.query(metric, scope, rateWindow, quantile), range, signal)));
    const outcomes = await Promise.all([
      rangeOf("p50 latency", "latencyMs", LATENCY_QUANTILES.p50),
      rangeOf("p95 latency", "latencyMs", LATENCY_QUANTILES.p95),
      rangeOf("p99 latency", "latencyMs", LATENCY_QUANTILES.p99),
      rangeOf("request rate", "requestsPerSecond"),
      rangeOf("error rate", "errorRatePercent"),
      rangeOf("replicas", "availableReplicas"),
    ]);
    const unavailable = allFailed(outcomes);
    if (unavailable) return unavailable;
    const empty = grid.map((time) => ({ time, value: null }));
    const [p50, p95, p99, requests, errors, replicas] = outcomes.map((o) => (o.result.ok ? o.result.value : empty));
    return {
      kind: "measured",
      series: {
        window,
        ...range,
        latencyMs: { p50: p50 ?? empty, p95: p95 ?? empty, p99: p99 ?? empty },
        requestsPerSecond: requests ?? empty,
        errorRatePercent: errors ?? empty,
        availableReplicas: replicas ?? empty,
        failures: failuresOf(outcomes),
      },
    };
  }

  async metricSeries(target: DeploymentRef, metric: MetricId, window: MetricsWindowId, nowSeconds: number, quantile?: number, signal?: AbortSignal): Promise<MetricSeriesResult> {
    const scope: DeploymentScope = { kind: "one", namespace: target.namespace, deployment: target.name };
    const range = alignedRange(window, nowSeconds);
    const outcome = await attempt(metric, async () =>
      onGrid(timeGrid(range.start, range.end, range.stepSeconds), await this.client.queryRange(this.query(metric, scope, rateWindowSeconds(range.stepSeconds), quantile), range, signal)),
    );
    return outcome.result.ok ? { kind: "measured", points: outcome.result.value } : { kind: "unavailable", reason: outcome.result.reason };
  }

  async fleet(namespaces: readonly string[], queries: readonly FleetQuery[], signal?: AbortSignal): Promise<FleetResult> {
    if (namespaces.length === 0) return { kind: "measured", readings: {}, failures: [] };
    const scope: DeploymentScope = { kind: "all", namespaces };
    const outcomes = await Promise.all(
      queries.map((q) =>
        attempt(q.as ?? q.metric, async () => {
          const samples = await this.client.queryVector(this.query(q.metric, scope, q.windowSeconds, q.quantile), signal);
          const values = new Map<string, number | null>();
          for (const sample of samples) {
            const { namespace, deployment } = sample.labels;
            if (namespace !== undefined && deployment !== undefined) values.set(deploymentKey({ namespace, name: deployment }), sample.value);
          }
          return { values };
        }),
      ),
    );
    const unavailable = allFailed(outcomes);
    if (unavailable) return unavailable;
    const readings: Partial<Record<string, FleetReading>> = {};
    for (const outcome of outcomes) if (outcome.result.ok) readings[outcome.name] = outcome.result.value;
    return { kind: "measured", readings, failures: failuresOf(outcomes) };
  }

  private query(metric: MetricId, scope: DeploymentScope, windowSeconds: number, quantile?: number): string {
    return renderMetricQuery(this.templates[metric], { scope, windowSeconds, ...(quantile === undefined ? {} : { quantile }) });
  }
}

function timeGrid(start: number, end: number, stepSeconds: number): number[] {
  const times: number[] = [];
  for (let time = start; time <= end; time += stepSeconds) times.push(time);
  return times;
}

/**
 * One value per grid time, null where Prometheus has no sample (a gap in the chart, not a zero).
 * Several series (an unexpected template without `sum by`) are added up.
 */
function onGrid(grid: readonly number[], series: readonly RangeSeries[]): TimePoint[] {
  const byTime = new Map<number, number>();
  for (const s of series) {
    for (const point of s.points) {
      if (point.value !== null) byTime.set(point.time, (byTime.get(point.time) ?? 0) + point.value);
    }
  }
  return grid.map((time) => ({ time, value: byTime.get(time) ?? null }));
}

export function createDeploymentMetrics(settings: { prometheus: { url: string; timeoutMs: number } | undefined; metricTemplates: MetricTemplates }): DeploymentMetricsReader {
  if (settings.prometheus === undefined) return metricsNotConfigured;
  return new PrometheusDeploymentMetrics(new PrometheusClient(settings.prometheus), settings.metricTemplates);
}
